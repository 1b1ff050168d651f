"""`python -m research.fields {convert,wbc-labels,worker-timing}`: BCCD's test split for the cell
detector, and what the finder costs the classify worker per upload.

python -m research.fields convert --out /tmp/bccd-test
python -m ml fields evaluate --data /tmp/bccd-test --ap
python -m research.fields convert --part unseen-trainval --out /tmp/bccd-unseen   (for choosing)
python -m research.fields wbc-labels --classifier kaggle4
python -m research.fields worker-timing --fields DIR --cells DIR [--limit 100] [--classifier pbc8]
"""

import argparse
import json
import sys
from pathlib import Path

from ml.training.fields.bccd_voc import unseen_trainval, write_tree
from research.entry import run_study
from research.fields.bccd_test import convert, wbc_labels
from research.fields.worker_timing import worker_timing


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("convert", "wbc-labels", "worker-timing"))
    parser.add_argument("--out", type=Path, help="convert: folder to write images/ and labels/ in")
    parser.add_argument(
        "--part",
        choices=("test", "unseen-trainval"),
        default="test",
        help="convert: BCCD's test list, or its train/val fields the detector never trained on",
    )
    parser.add_argument("--detector", default="fields")
    parser.add_argument("--classifier", default="kaggle4")
    parser.add_argument("--fields", type=Path, help="worker-timing: a folder of smear fields")
    parser.add_argument("--cells", type=Path, help="worker-timing: a folder of single cells")
    parser.add_argument("--limit", type=int, default=100, help="worker-timing: images per folder")


def run(args: argparse.Namespace) -> int:
    if args.action == "convert":
        if args.out is None:
            raise ValueError("convert needs --out DIR")
        if args.part == "test":
            print(f"wrote {convert(args.out)} BCCD test fields to {args.out}")
        else:
            count = write_tree(unseen_trainval(), args.out)
            print(f"wrote {count} BCCD train/val fields unseen in training to {args.out}")
        return 0
    if args.action == "worker-timing":
        if args.fields is None or args.cells is None:
            raise ValueError("worker-timing needs --fields DIR and --cells DIR")
        timing = worker_timing(args.fields, args.cells, args.classifier, args.detector, args.limit)
        print(json.dumps(timing, indent=2))
        return 0
    print(json.dumps(wbc_labels(args.detector, args.classifier), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(run_study("python -m research.fields", __doc__.splitlines()[0], add_arguments, run))
