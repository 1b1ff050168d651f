"""`python -m research.intervals`: exact coverage of 95 % intervals for a differential's shares
(research/intervals/study.py)."""

import sys

from research.intervals.study import main

if __name__ == "__main__":
    sys.exit(main())
