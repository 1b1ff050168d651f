"""`python -m research.cross_lab`: the leave-one-lab-out ablation (research/cross_lab/study.py)."""

import sys

from research.cross_lab import study
from research.entry import run_study


def main(argv: list[str] | None = None) -> int:
    return run_study(
        "python -m research.cross_lab",
        "leave-one-lab-out ablation over PBC and Kaggle",
        study.add_arguments,
        study.run,
        argv,
    )


if __name__ == "__main__":
    sys.exit(main())
