"""`python -m research.fields {convert,wbc-labels}`: BCCD's test split for the cell detector.

python -m research.fields convert --out /tmp/bccd-test
python -m ml fields evaluate --data /tmp/bccd-test --ap
python -m research.fields wbc-labels --classifier kaggle4
"""

import argparse
import json
import sys
from pathlib import Path

from research.entry import run_study
from research.fields.bccd_test import convert, wbc_labels


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("convert", "wbc-labels"))
    parser.add_argument("--out", type=Path, help="convert: folder to write images/ and labels/ in")
    parser.add_argument("--detector", default="fields")
    parser.add_argument("--classifier", default="kaggle4")


def run(args: argparse.Namespace) -> int:
    if args.action == "convert":
        if args.out is None:
            raise ValueError("convert needs --out DIR")
        print(f"wrote {convert(args.out)} BCCD test fields to {args.out}")
        return 0
    print(json.dumps(wbc_labels(args.detector, args.classifier), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(run_study("python -m research.fields", __doc__.splitlines()[0], add_arguments, run))
