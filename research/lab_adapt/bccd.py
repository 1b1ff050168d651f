"""The BCCD lab's whole 640x480 smear fields (the originals behind the Kaggle images), uploaded
as fields: each field's single labelled white-cell type (originals/labels.csv), its strongest
white cell as the portal's route crops it.

Shots: `shots` fields per class, in a seeded shuffle, from the fields whose originals fed
Kaggle's TRAIN folder. The other cells: every other single-label field of the 4 classes, those
behind Kaggle's TEST folder included (test_simple_to_original.tsv names them). Nothing is chosen
on these figures: they are scored once, beside the Kaggle bench.
"""

import csv
import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from ml.training import paths

CLASSES = ("eosinophil", "lymphocyte", "monocyte", "neutrophil")


def kaggle_dir() -> Path:
    return paths.default_data_dir() / "blood-cells-kaggle"


def labelled_fields() -> list[tuple[Path, str]]:
    """(field, class) for every single-label field of the 4 classes that has an image."""
    folder = kaggle_dir() / "originals"
    fields = []
    with open(folder / "labels.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            label = row["Category"].strip().lower()
            path = folder / "Original_Images" / f"BloodImage_{int(row['Image']):05d}.jpg"
            if label in CLASSES and path.is_file():
                fields.append((path, label))
    return fields


def test_originals() -> set[str]:
    with open(kaggle_dir() / "test_simple_to_original.tsv", newline="", encoding="utf-8") as f:
        return {row["original"] for row in csv.DictReader(f, delimiter="\t")}


def build_fields(
    out: Path, shots: int, seed: int, frame: Callable[[Image.Image], Image.Image | None]
) -> dict:
    """out/labelled and out/held_out from the BCCD fields; counts per class."""
    fields = sorted(labelled_fields())
    random.Random(seed).shuffle(fields)
    behind_test = test_originals()
    taken = {label: 0 for label in CLASSES}
    counts: dict[str, dict[str, int]] = {"labelled": {}, "held_out": {}, "no_white_cell": {}}
    for path, label in fields:
        with Image.open(path) as image:
            framed = frame(image)
        if framed is None:
            counts["no_white_cell"][label] = counts["no_white_cell"].get(label, 0) + 1
            continue
        shot = path.name not in behind_test and taken[label] < shots
        taken[label] += shot
        tree = "labelled" if shot else "held_out"
        (out / tree / label).mkdir(parents=True, exist_ok=True)
        framed.save(out / tree / label / f"{path.stem}.png")
        counts[tree][label] = counts[tree].get(label, 0) + 1
    return counts
