"""`python -m research.lab_adapt build`: the Kaggle lab's reviewed and other cells as trees.

python -m research.lab_adapt build --out /tmp/adapt-bench [--framing whole|route] \
    [--shots 10] [--per-class 40] [--other-split test|val] [--seed 7]
python -m research.lab_adapt bccd --out /tmp/adapt-bccd [--shots 10] [--seed 7]
"""

import argparse
import json
import sys
from pathlib import Path

from research.entry import run_study
from research.lab_adapt.bccd import build_fields
from research.lab_adapt.bench import build
from research.lab_adapt.framing import FRAMINGS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("build", "bccd"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--framing", choices=sorted(FRAMINGS), default="whole")
    parser.add_argument("--shots", type=int, default=10)
    parser.add_argument("--per-class", type=int, default=40)
    parser.add_argument("--other-split", choices=("val", "test"), default="test")
    parser.add_argument("--seed", type=int, default=7)


def run(args: argparse.Namespace) -> int:
    if (args.out / "labelled").exists():
        raise ValueError(f"{args.out}: already built; choose another --out")
    if args.action == "bccd":
        counts = build_fields(args.out, args.shots, args.seed, FRAMINGS["route"]())
        print(json.dumps(counts, indent=2))
        return 0
    frame = FRAMINGS[args.framing]()
    counts = build(args.out, args.shots, args.per_class, args.other_split, args.seed, frame)
    print(json.dumps(counts, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(run_study("python -m research.lab_adapt", __doc__.splitlines()[0], add_arguments, run))
