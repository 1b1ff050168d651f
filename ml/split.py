"""`python -m ml split --dataset {pbc,kaggle}`: (re)write the committed split file.

The split files are committed; rewrite one only on purpose, since every bundle records the hash
of the split it was trained on.
"""

import argparse
from pathlib import Path

from ml import data, paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True, choices=("pbc", "kaggle"))
    parser.add_argument("--data", type=Path, default=None, help="data directory")
    parser.add_argument("--seed", type=int, default=data.SPLIT_SEED)


def run(args: argparse.Namespace) -> int:
    data_dir = args.data or paths.default_data_dir()
    if args.dataset == "pbc":
        rows = data.make_pbc_split(paths.pbc_manifest(data_dir), args.seed)
        columns = data.SPLIT_COLUMNS
    else:
        from ml.kaggle_groups import make_kaggle_split

        rows = make_kaggle_split(data_dir, args.seed)
        columns = data.KAGGLE_COLUMNS
    target = paths.SPLITS_DIR / f"{args.dataset}.csv"
    data.write_split_csv(target, rows, columns)
    counts = {
        split: sum(row["split"] == split for row in rows)
        for split in ("train", "val", "test", "excluded")
    }
    print(f"wrote {target}: {counts}, hash {data.split_file_hash(rows, columns)}")
    return 0
