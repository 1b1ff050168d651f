"""Datasets for training: committed splits, image-folder trees, and a decoded-image cache.

A split file is a CSV with one row per image (class, file, split[, group]); `split` is train, val,
test or excluded. Images are decoded once with ml.serving.preprocess (the same resize as serving)
into a uint8 array cached under ml.training.paths.cache_dir(), so that later epochs and runs read
from memory.
"""

import csv
import hashlib
import io
import os
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ml.serving.preprocess import IMAGE_EXTENSIONS, STRETCH, load_image, resize_to_array
from ml.training import paths

SPLITS = ("train", "val", "test")
PBC_LABELS = (
    "basophil",
    "eosinophil",
    "erythroblast",
    "ig",
    "lymphocyte",
    "monocyte",
    "neutrophil",
    "platelet",
)
KAGGLE_LABELS = ("eosinophil", "lymphocyte", "monocyte", "neutrophil")
PBC_FRACTIONS = {"train": 0.70, "val": 0.15, "test": 0.15}
SPLIT_SEED = 20240611
SPLIT_COLUMNS = ("class", "file", "split")
KAGGLE_COLUMNS = ("class", "file", "split", "group")


class UnknownClassError(ValueError):
    """An image folder has a sub-folder whose name is not one of the model's labels."""


class NotAnImageError(ValueError):
    """A file in an image folder is not an image (wrong extension)."""


@dataclass
class DatasetSplits:
    """Labels plus (path, label index) lists per split, and the hash of the split definition."""

    labels: list[str]
    items: dict[str, list[tuple[Path, int]]] = field(default_factory=dict)
    split_hash: str = ""
    description: str = ""

    def paths(self, split: str) -> list[Path]:
        return [path for path, _ in self.items.get(split, [])]

    def targets(self, split: str) -> np.ndarray:
        return np.array([label for _, label in self.items.get(split, [])], dtype=np.int64)


# ---------------------------------------------------------------- split files


def write_split_csv(path: Path, rows: list[dict], columns: tuple[str, ...]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = sorted(rows, key=lambda row: (row["class"], row["file"]))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({column: row[column] for column in columns} for row in rows)


def read_split_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    seen: dict[tuple[str, str], str] = {}
    for row in rows:
        key = (row["class"], row["file"])
        if key in seen:
            raise ValueError(f"{path}: {key[0]}/{key[1]} is listed twice")
        if row["split"] not in (*SPLITS, "excluded"):
            raise ValueError(f"{path}: unknown split {row['split']!r} for {key[0]}/{key[1]}")
        seen[key] = row["split"]
    return rows


def make_pbc_split(manifest: Path, seed: int = SPLIT_SEED) -> list[dict]:
    """Stratified train/val/test split of PBC by duplicate group.

    Byte-identical duplicates (manifest `duplicate_of`) form one group, assigned as a whole. The one
    group with conflicting labels (eosinophil/EO_225902 = neutrophil/BNE_191112) is "excluded" from
    every split: neither label can be trusted.
    """
    with open(manifest, newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    group_of = {row["file"]: row["duplicate_of"] or row["file"] for row in records}
    conflicting = {group_of[row["file"]] for row in records if row["label_conflict"] == "1"}
    groups_by_class: dict[str, list[str]] = defaultdict(list)
    for row in records:
        group = group_of[row["file"]]
        if group not in conflicting and group not in groups_by_class[row["class"]]:
            groups_by_class[row["class"]].append(group)
    split_of_group = {group: "excluded" for group in conflicting}
    rng = random.Random(seed)
    for label in sorted(groups_by_class):
        groups = sorted(groups_by_class[label])
        rng.shuffle(groups)
        n_val = round(len(groups) * PBC_FRACTIONS["val"])
        n_test = round(len(groups) * PBC_FRACTIONS["test"])
        for index, group in enumerate(groups):
            split = "val" if index < n_val else "test" if index < n_val + n_test else "train"
            split_of_group[group] = split
    return [
        {"class": row["class"], "file": row["file"], "split": split_of_group[group_of[row["file"]]]}
        for row in records
    ]


def split_file_hash(rows: list[dict], columns: tuple[str, ...] = ("class", "file", "split")) -> str:
    """sha256 of the split definition, independent of row order."""
    text = io.StringIO()
    for row in sorted(rows, key=lambda row: (row["class"], row["file"])):
        text.write(",".join(row[column] for column in columns) + "\n")
    return hashlib.sha256(text.getvalue().encode()).hexdigest()


# ---------------------------------------------------------------- image-folder trees


def match_class_folders(root: Path, labels: list[str] | None) -> dict[str, Path]:
    """Map each label to its sub-folder of `root` (names compared case-insensitively).

    With labels=None the sorted folder names (lower-cased) become the labels. Raises
    UnknownClassError naming the folder and the model's labels if a folder matches no label.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a directory")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise ValueError(f"{root} has no class sub-folders (expected one folder per class)")
    if labels is None:
        return {folder.name.lower(): folder for folder in folders}
    by_lower = {label.lower(): label for label in labels}
    matched: dict[str, Path] = {}
    for folder in folders:
        label = by_lower.get(folder.name.lower())
        if label is None:
            raise UnknownClassError(
                f"{folder}: class folder {folder.name!r} is not one of the model's labels "
                f"{list(labels)}"
            )
        if label in matched:
            raise UnknownClassError(f"{root}: two folders match label {label!r}")
        matched[label] = folder
    return matched


def list_images(folder: Path) -> list[Path]:
    """Image files in `folder`, sorted; a non-image file raises NotAnImageError naming it."""
    images = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue  # hidden files (.DS_Store) and nested folders are not samples
        if path.suffix.lower() not in IMAGE_EXTENSIONS:
            raise NotAnImageError(
                f"{path}: not an image file (expected one of {', '.join(IMAGE_EXTENSIONS)})"
            )
        images.append(path)
    return images


def scan_image_folder(
    root: Path, labels: list[str] | None = None
) -> tuple[list[str], list[tuple[Path, int]]]:
    """All (path, label index) pairs of an image-folder tree, and the labels used."""
    folders = match_class_folders(root, labels)
    labels = list(labels) if labels is not None else sorted(folders)
    items = [
        (path, labels.index(label))
        for label, folder in sorted(folders.items())
        for path in list_images(folder)
    ]
    if not items:
        raise ValueError(f"{root}: no images found")
    return labels, items


def folder_split_rows(root: Path, labels: list[str], seed: int = SPLIT_SEED) -> list[dict]:
    """Stratified random split of an image-folder tree (at least 3 images per class)."""
    _, items = scan_image_folder(root, labels)
    by_label: dict[int, list[Path]] = defaultdict(list)
    for path, label in items:
        by_label[label].append(path)
    rng = random.Random(seed)
    rows = []
    for label, files in sorted(by_label.items()):
        if len(files) < 3:
            raise ValueError(f"{root}: class {labels[label]!r} needs at least 3 images to split")
        rng.shuffle(files)
        n_held = max(1, round(len(files) * 0.15))
        for index, path in enumerate(files):
            split = "val" if index < n_held else "test" if index < 2 * n_held else "train"
            rows.append({"class": labels[label], "file": path.name, "split": split})
    return rows


# ---------------------------------------------------------------- decoded-image cache


def decode_images(
    image_paths: list[Path], size: int, description: str = "decode", rule: str = STRETCH
) -> np.ndarray:
    """uint8 (n, size, size, 3) array of the images, framed by `rule` as serving does."""
    array = np.zeros((len(image_paths), size, size, 3), dtype=np.uint8)
    for index, path in enumerate(tqdm(image_paths, desc=description, unit="img", mininterval=5)):
        array[index] = resize_to_array(load_image(path), size, rule)
    return array


def cached_images(name: str, image_paths: list[Path], size: int, rule: str = STRETCH) -> np.ndarray:
    """decode_images, cached on disk by (name, size, rule, list of paths)."""
    key = hashlib.sha256("\n".join(str(p) for p in image_paths).encode()).hexdigest()[:12]
    suffix = "" if rule == STRETCH else f"_{rule}"  # keeps the caches made before rules existed
    cache_file = paths.cache_dir() / f"{name}_{size}{suffix}_{key}.npy"
    if cache_file.is_file():
        return np.load(cache_file)
    array = decode_images(image_paths, size, description=f"decode {name}", rule=rule)
    temporary = cache_file.with_suffix(f".{os.getpid()}.tmp.npy")  # two runs may decode at once
    np.save(temporary, array)
    temporary.replace(cache_file)
    return array


# ---------------------------------------------------------------- named datasets


def _items_from_rows(rows: list[dict], root: Path, labels: list[str]) -> dict:
    items: dict[str, list[tuple[Path, int]]] = {split: [] for split in SPLITS}
    index = {label: i for i, label in enumerate(labels)}
    for row in rows:
        if row["split"] in items and row["class"] in index:
            items[row["split"]].append((root / row["class"] / row["file"], index[row["class"]]))
    return items


def pbc_splits(data_dir: Path, split_csv: Path | None = None) -> DatasetSplits:
    """PBC with ml/splits/pbc.csv (made from the manifest if the file does not exist yet)."""
    split_csv = split_csv or paths.SPLITS_DIR / "pbc.csv"
    if not split_csv.is_file():
        write_split_csv(split_csv, make_pbc_split(paths.pbc_manifest(data_dir)), SPLIT_COLUMNS)
    rows = read_split_csv(split_csv)
    labels = list(PBC_LABELS)
    return DatasetSplits(
        labels=labels,
        items=_items_from_rows(rows, paths.pbc_images_dir(data_dir), labels),
        split_hash=split_file_hash(rows),
        description=f"PBC ({paths.pbc_images_dir(data_dir)}), split {split_csv.name}",
    )


def kaggle_splits(data_dir: Path, split_csv: Path | None = None) -> DatasetSplits:
    """Kaggle TRAIN split by original into train/val (ml/splits/kaggle.csv); test = TEST."""
    split_csv = split_csv or paths.SPLITS_DIR / "kaggle.csv"
    if not split_csv.is_file():
        # Imported here: grouping needs imagehash and scikit-learn, which only a new split uses.
        from ml.training.kaggle_groups import make_kaggle_split

        write_split_csv(split_csv, make_kaggle_split(data_dir, KAGGLE_LABELS), KAGGLE_COLUMNS)
    rows = read_split_csv(split_csv)
    labels = list(KAGGLE_LABELS)
    images = paths.kaggle_images_dir(data_dir)
    items: dict[str, list[tuple[Path, int]]] = {split: [] for split in SPLITS}
    for row in rows:
        if row["split"] in items:
            items[row["split"]].append((images / row["file"], labels.index(row["class"])))
    return DatasetSplits(
        labels=labels,
        items=items,
        split_hash=split_file_hash(rows, KAGGLE_COLUMNS),
        description=f"Kaggle blood cells ({images}), split {split_csv.name}",
    )


def folder_splits(
    root: Path, labels: list[str] | None = None, split_csv: Path | None = None
) -> DatasetSplits:
    """Any image-folder tree; split by `split_csv` or by a seeded stratified 70/15/15 rule."""
    labels, _ = scan_image_folder(root, labels)
    rows = read_split_csv(split_csv) if split_csv else folder_split_rows(root, labels)
    folders = match_class_folders(root, labels)
    items: dict[str, list[tuple[Path, int]]] = {split: [] for split in SPLITS}
    for row in rows:
        if row["split"] in items:
            label = next(name for name in labels if name.lower() == row["class"].lower())
            items[row["split"]].append((folders[label] / row["file"], labels.index(label)))
    return DatasetSplits(
        labels=labels, items=items, split_hash=split_file_hash(rows), description=f"{root}"
    )


def extra_training_items(source: str, data_dir: Path, labels: list[str]) -> list[tuple[Path, int]]:
    """Extra train images: the train split of another named dataset ("pbc", "kaggle"), its
    classes that the model shares, or a folder tree.

    Only the train split joins: the other dataset's validation and test images stay unseen, so
    the model can still be scored on them. A folder tree may hold only some of the labels; a
    folder that matches none is an error.
    """
    named = {"pbc": pbc_splits, "kaggle": kaggle_splits}
    if source in named:
        other = named[source](data_dir)
        return [
            (path, labels.index(other.labels[label]))
            for path, label in other.items["train"]
            if other.labels[label] in labels
        ]
    folders = match_class_folders(Path(source), labels)
    return [
        (path, labels.index(label))
        for label, folder in sorted(folders.items())
        for path in list_images(folder)
    ]


def load_splits(
    dataset: str, data_dir: Path, labels: list[str] | None = None, split_csv: Path | None = None
) -> DatasetSplits:
    if dataset == "pbc":
        return pbc_splits(data_dir, split_csv)
    if dataset == "kaggle":
        return kaggle_splits(data_dir, split_csv)
    if dataset == "folder":
        return folder_splits(Path(data_dir), labels, split_csv)
    raise ValueError(f"unknown dataset {dataset!r} (pbc, kaggle or folder)")
