"""`python -m research.smear_check {nonblood,margins}`: the set of images that are not blood
smears, and how the cells found in smears and in those images absorb light (ml/serving/stain.py).

python -m research.smear_check nonblood --out /tmp/nonblood
python -m research.smear_check margins --data /tmp/nonblood <pbc> <bccd>/BCCD/JPEGImages ...
"""

import argparse
import json
import sys
from pathlib import Path

from research.entry import run_study
from research.smear_check.study import margins_by_folder, write_nonblood


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("nonblood", "margins"))
    parser.add_argument("--out", type=Path, help="nonblood: folder to write the images in")
    parser.add_argument(
        "--wheel", type=Path, help="nonblood: a scikit-image wheel (default: pip download one)"
    )
    parser.add_argument("--data", type=Path, nargs="+", help="margins: image folders")
    parser.add_argument("--limit", type=int, default=1000, help="margins: images per folder")
    parser.add_argument("--detector", default="fields")


def run(args: argparse.Namespace) -> int:
    if args.action == "nonblood":
        if args.out is None:
            raise ValueError("nonblood needs --out")
        written = write_nonblood(args.out, args.wheel)
        print(f"wrote {len(written)} images to {args.out}")
        return 0
    if not args.data:
        raise ValueError("margins needs --data")
    report = margins_by_folder(args.data, args.limit, args.detector)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(run_study("python -m research.smear_check", __doc__, add_arguments, run))
