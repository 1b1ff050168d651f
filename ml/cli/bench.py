"""`python -m ml bench`: serving latency and throughput of a bundle's TFLite model
(ml/training/bench.py)."""

import argparse
import json
from pathlib import Path

from ml.serving import load_classifier
from ml.training.bench import bench, default_image_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="default", help="bundle directory or name (default)")
    parser.add_argument("--data", type=Path, help="image-folder tree (default: PBC, else fixtures)")
    parser.add_argument("--runs", type=int, default=200, help="single-image runs (default 200)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--num-threads", type=int, help="interpreter threads (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def run(args: argparse.Namespace) -> int:
    classifier = load_classifier(args.model, num_threads=args.num_threads)
    result = bench(classifier, args.data or default_image_dir(), args.runs, args.batch_size)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:<22}{value}")
    return 0
