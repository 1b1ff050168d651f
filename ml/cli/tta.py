"""`python -m ml tta`: choose test-time augmentation, or its exit confidence, on validation
(ml/training/choose_tta.py)."""

import argparse
import json
from pathlib import Path

from ml.serving import resolve_bundle
from ml.training.choose_tta import choose_exit_confidence, choose_tta


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more (1 = no test-time augmentation)")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="bundle directory or shipped name")
    parser.add_argument("--data", type=Path, default=None, help="data dir (default: as trained)")
    parser.add_argument(
        "--apply", action="store_true", help="write the best choice on validation into it"
    )
    parser.add_argument(
        "--max-views",
        type=positive_int,
        default=8,
        help="consider only choices with at most this many model runs per image (latency)",
    )
    parser.add_argument(
        "--exit-confidence",
        action="store_true",
        help="instead: choose how sure the first view must be to answer from it alone",
    )
    parser.add_argument(
        "--images",
        type=Path,
        help="with --exit-confidence: choose on these cells (never trained on), not validation",
    )


def run(args: argparse.Namespace) -> int:
    if args.exit_confidence:
        report = choose_exit_confidence(
            resolve_bundle(args.model), args.data, args.apply, args.images
        )
    else:
        report = choose_tta(resolve_bundle(args.model), args.data, args.max_views, args.apply)
    print(json.dumps(report, indent=2))
    return 0
