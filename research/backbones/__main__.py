"""`python -m research.backbones`: train several backbones under one protocol and compare them
(research/backbones/compare.py)."""

import sys

from research.backbones import compare
from research.entry import run_study


def main(argv: list[str] | None = None) -> int:
    return run_study(
        "python -m research.backbones",
        "train several backbones under one protocol and tabulate them",
        compare.add_arguments,
        compare.run,
        argv,
    )


if __name__ == "__main__":
    sys.exit(main())
