"""`python -m ml appearance`: how images look next to a bundle's training images
(ml/training/appearance_report.py)."""

import argparse
import json
from pathlib import Path

from ml.serving import resolve_bundle
from ml.training.appearance_report import appearance_report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="bundle directory or shipped name")
    parser.add_argument(
        "--data", type=Path, help="an image-folder tree to compare with the training images"
    )
    parser.add_argument(
        "--store",
        action="store_true",
        help="summarise the bundle's training split and write it into bundle.json",
    )
    parser.add_argument(
        "--reference-data",
        type=Path,
        help="an image-folder tree to compare with instead of the bundle's training images",
    )
    parser.add_argument(
        "--window", type=int, default=50, help="images per window for the flagged-window share"
    )


def run(args: argparse.Namespace) -> int:
    bundle_dir = resolve_bundle(args.model)
    report = appearance_report(bundle_dir, args.data, args.reference_data, args.store, args.window)
    print(json.dumps(report, indent=2))
    return 0
