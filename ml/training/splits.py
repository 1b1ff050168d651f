"""The committed split files: write one (ml/splits/{pbc,kaggle}.csv), or link one split.

The split files are committed; rewrite one only on purpose, since every bundle records the hash
of the split it was trained on. With `--link-split test --out DIR` nothing is rewritten: DIR gets
one sub-folder per class with symbolic links to that split's images, the image-folder tree that
`python -m ml evaluate --data DIR` reads (e.g. kaggle4 scored on the PBC test split).
"""

from pathlib import Path

from ml.training import data, paths
from ml.training.kaggle_groups import make_kaggle_split


def write_split(dataset: str, data_dir: Path, seed: int) -> None:
    if dataset == "pbc":
        rows = data.make_pbc_split(paths.pbc_manifest(data_dir), seed)
        columns = data.SPLIT_COLUMNS
    else:
        rows = make_kaggle_split(data_dir, data.KAGGLE_LABELS, seed)
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
