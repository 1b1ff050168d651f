"""The shared smear fields: YOLO labels, their images, and the committed validation split.

A field is an image with boxes, one per cell, in YOLO text (`class cx cy w h`, relative; 0 WBC,
1 RBC, 2 platelet). The shared data (fields/PROVENANCE.md) has three sources: bccd/labels/ (its
images are ../bccd/BCCD/JPEGImages/), pbc/ and raabin/ (images/ and labels/ side by side).
The split is by image, seeded, the same share of each source in validation; it is committed as
ml/splits/fields.csv so that every run validates on the same fields.
"""

import csv
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ml.serving.field_image import decode_for_input, letterbox
from ml.training import paths

LABELS = ("wbc", "rbc", "platelet")
SPLIT_FILE = paths.SPLITS_DIR / "fields.csv"
VALIDATION_SHARE = 0.15
SEED = 25
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")


@dataclass(frozen=True)
class Field:
    image: Path
    labels: Path
    source: str


def read_yolo_labels(path: Path, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(boxes (n, 4) x0 y0 x1 y1 in pixels of an image of `size`, classes (n,)) from YOLO text."""
    rows = [line.split() for line in Path(path).read_text().splitlines() if line.strip()]
    if any(len(row) != 5 for row in rows):
        raise ValueError(f"{path}: every line must be `class cx cy w h`")
    values = np.array(rows, dtype=np.float64).reshape(-1, 5)
    width, height = size
    cx, cy = values[:, 1] * width, values[:, 2] * height
    half_w, half_h = values[:, 3] * width / 2, values[:, 4] * height / 2
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    return boxes, values[:, 0].astype(np.int64)


def image_for(labels_path: Path, images_dir: Path) -> Path | None:
    for suffix in IMAGE_SUFFIXES:
        candidate = images_dir / (labels_path.stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def folder_fields(directory: Path, source: str = "", images_dir: Path | None = None) -> list[Field]:
    """Fields of a folder with labels/ (and images/, or `images_dir`), in name order."""
    directory = Path(directory)
    images_dir = images_dir or directory / "images"
    if not (directory / "labels").is_dir() or not images_dir.is_dir():
        raise ValueError(f"{directory} must hold images/ and labels/ (YOLO text files)")
    fields = []
    for labels_path in sorted((directory / "labels").glob("*.txt")):
        image = image_for(labels_path, images_dir)
        if image is not None:
            fields.append(Field(image, labels_path, source or directory.name))
    if not fields:
        raise ValueError(f"{directory}: no image has a labels file")
    return fields


def shared_fields(data_dir: Path | None = None) -> list[Field]:
    """Every labelled field of the shared data (bccd, pbc, raabin)."""
    root = Path(data_dir or paths.default_data_dir())
    bccd_images = root / "bccd" / "BCCD" / "JPEGImages"
    fields = folder_fields(root / "fields" / "bccd", "bccd", bccd_images)
    for source in ("pbc", "raabin"):
        fields += folder_fields(root / "fields" / source, source)
    return fields


def make_split(fields: list[Field], seed: int = SEED) -> dict[str, str]:
    """{image name: "train" | "validation"}, VALIDATION_SHARE of each source in validation."""
    split = {}
    for source in sorted({field.source for field in fields}):
        names = sorted(f.image.name for f in fields if f.source == source)
        random.Random(f"{seed}-{source}").shuffle(names)
        cut = round(len(names) * VALIDATION_SHARE)
        split.update({name: "validation" if i < cut else "train" for i, name in enumerate(names)})
    return split


def write_split(fields: list[Field], path: Path = SPLIT_FILE) -> None:
    split = make_split(fields)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "image", "split"])
        for field in sorted(fields, key=lambda f: (f.source, f.image.name)):
            writer.writerow([field.source, field.image.name, split[field.image.name]])


def read_split(path: Path = SPLIT_FILE) -> dict[tuple[str, str], str]:
    with open(path, newline="") as handle:
        return {(row["source"], row["image"]): row["split"] for row in csv.DictReader(handle)}


def split_hash(path: Path = SPLIT_FILE) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def split_fields(fields: list[Field], path: Path = SPLIT_FILE) -> tuple[list[Field], list[Field]]:
    """(train, validation) fields by the committed split; a field not in it raises."""
    split = read_split(path)
    parts = {"train": [], "validation": []}
    for field in fields:
        key = (field.source, field.image.name)
        if key not in split:
            raise ValueError(f"{field.image} is not in {path}; rerun `python -m ml fields split`")
        parts[split[key]].append(field)
    return parts["train"], parts["validation"]


def load_field(
    field: Field, input_size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(uint8 letterboxed input (h, w, 3), boxes in input pixels (n, 4), classes (n,))."""
    with Image.open(field.image) as image:
        decoded, original_size = decode_for_input(image, input_size, reduce=True)
        pixels, box = letterbox(decoded, input_size, original_size)
    boxes, classes = read_yolo_labels(field.labels, original_size)
    return pixels.round().astype(np.uint8), boxes * box.scale, classes


def load_fields(fields: list[Field], input_size: tuple[int, int]) -> list[tuple]:
    return [load_field(field, input_size) for field in fields]
