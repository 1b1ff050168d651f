"""`python -m ml split --dataset {pbc,kaggle}`: write the committed split file, or link one split.

The library code is ml/training/splits.py.
"""

import argparse
from pathlib import Path

from ml.training import data, paths
from ml.training.splits import link_split, write_split


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True, choices=("pbc", "kaggle"))
    parser.add_argument("--data", type=Path, default=None, help="data directory")
    parser.add_argument("--seed", type=int, default=data.SPLIT_SEED)
    parser.add_argument("--link-split", choices=data.SPLITS, help="link this split's images")
    parser.add_argument("--labels", help="comma-separated classes to link (default: all)")
    parser.add_argument("--out", type=Path, help="folder for --link-split")


def run(args: argparse.Namespace) -> int:
    data_dir = args.data or paths.default_data_dir()
    if args.link_split:
        if not args.out:
            raise SystemExit("--link-split needs --out DIR")
        labels = args.labels.split(",") if args.labels else None
        link_split(args.dataset, data_dir, args.link_split, args.out, labels)
        return 0
    write_split(args.dataset, data_dir, args.seed)
    return 0
