"""`python -m ml selective`: coverage against accuracy; confidence summary of a bundle
(ml/training/selective.py)."""

import argparse
import json
import sys
from pathlib import Path

from ml.serving import load_classifier
from ml.training.selective import dataset_items, selective_report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="bundle directory or name")
    parser.add_argument("--data", type=Path, help="image-folder tree, or the data dir")
    parser.add_argument("--dataset", choices=("pbc", "kaggle"), help="a committed split instead")
    parser.add_argument("--split", default="val", choices=("train", "val", "test"))
    parser.add_argument("--out", type=Path, help="PNG of the coverage curve")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--store-validation-summary",
        action="store_true",
        help="write the confidence summary into bundle.json as validation_confidence (--split val)",
    )


def run(args: argparse.Namespace) -> int:
    if args.store_validation_summary and args.split != "val":
        print("error: --store-validation-summary needs the validation split", file=sys.stderr)
        return 2
    classifier = load_classifier(args.model)
    items = dataset_items(classifier.labels, args.data, args.dataset, args.split)
    report = selective_report(
        classifier, items, args.split, args.out, args.store_validation_summary
    )
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))
    return 0
