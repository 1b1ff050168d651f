"""`python -m ml split --dataset {pbc,kaggle}`: write the committed split file, or link one split.

The split files are committed; rewrite one only on purpose, since every bundle records the hash
of the split it was trained on. With `--link-split test --out DIR` nothing is rewritten: DIR gets
one sub-folder per class with symbolic links to that split's images, the image-folder tree that
`python -m ml evaluate --data DIR` reads (e.g. kaggle4 scored on the PBC test split).
"""

import argparse
from pathlib import Path

from ml import data, paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True, choices=("pbc", "kaggle"))
    parser.add_argument("--data", type=Path, default=None, help="data directory")
    parser.add_argument("--seed", type=int, default=data.SPLIT_SEED)
    parser.add_argument("--link-split", choices=data.SPLITS, help="link this split's images")
    parser.add_argument("--labels", help="comma-separated classes to link (default: all)")
    parser.add_argument("--out", type=Path, help="folder for --link-split")


def write_split(dataset: str, data_dir: Path, seed: int) -> None:
    if dataset == "pbc":
        rows = data.make_pbc_split(paths.pbc_manifest(data_dir), seed)
        columns = data.SPLIT_COLUMNS
    else:
        from ml.kaggle_groups import make_kaggle_split

        rows = make_kaggle_split(data_dir, seed)
        columns = data.KAGGLE_COLUMNS
    target = paths.SPLITS_DIR / f"{dataset}.csv"
    data.write_split_csv(target, rows, columns)
    counts = {
        name: sum(row["split"] == name for row in rows) for name in (*data.SPLITS, "excluded")
    }
    print(f"wrote {target}: {counts}, hash {data.split_file_hash(rows, columns)}")


def link_split(dataset: str, data_dir: Path, split: str, out: Path, labels: list[str] | None):
    splits = data.load_splits(dataset, data_dir)
    wanted = labels or splits.labels
    for path, label in splits.items[split]:
        name = splits.labels[label]
        if name in wanted:
            target = out / name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.is_symlink():
                target.symlink_to(path.resolve())
    print(f"linked the {dataset} {split} split ({', '.join(wanted)}) into {out}")


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
