"""`python -m research.robustness`: top-1 agreement when images are re-saved or resized
(research/robustness/study.py)."""

import sys

from research.entry import run_study
from research.robustness import study


def main(argv: list[str] | None = None) -> int:
    return run_study(
        "python -m research.robustness",
        "top-1 agreement when images are re-saved or resized",
        study.add_arguments,
        study.run,
        argv,
    )


if __name__ == "__main__":
    sys.exit(main())
