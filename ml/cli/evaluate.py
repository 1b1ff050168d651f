"""`python -m ml evaluate`: score a bundle's TFLite model on an image-folder tree
(ml/training/evaluate.py)."""

import argparse
import json
import sys
from pathlib import Path

from ml.serving import ImageDecodeError, load_classifier
from ml.training.evaluate import evaluate, format_report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="bundle directory or name (default, pbc8)")
    parser.add_argument("--data", required=True, type=Path, help="folder with one folder per class")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def run(args: argparse.Namespace) -> int:
    classifier = load_classifier(args.model)
    try:
        report = evaluate(classifier, args.data)
    except ImageDecodeError as error:  # the data is there but one file is broken: status 1
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(report) if args.json else format_report(report))
    return 0
