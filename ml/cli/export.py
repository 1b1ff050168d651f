"""`python -m ml export`: write TFLite (float32 or int8) files into a bundle
(ml/training/export.py)."""

import argparse
import json
from pathlib import Path

from ml.serving import resolve_bundle
from ml.training.export import export_bundle


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="bundle name, alias or directory")
    parser.add_argument("--format", required=True, choices=("tflite", "tflite-int8"))
    parser.add_argument("--data", type=Path, help="data directory (default: the training one)")


def run(args: argparse.Namespace) -> int:
    report = export_bundle(resolve_bundle(args.model), args.format, args.data)
    print(json.dumps(report, indent=2))
    return 0
