"""The Kaggle lab as a lab that adapts pbc8: its reviewed cells and its other cells, as trees of
one folder per class (what `python -m ml adapt --labelled/--held-out` reads).

Shots come from ml/splits/kaggle.csv's train rows: shuffled with random.Random(seed), the first
`shots` of distinct `group` per class (a group is one original's augmented copies, so no two shots
are copies of one cell). The other cells come from the `val` rows (for choices) or the `test`
rows (reported once), shuffled the same way, the first `per_class` of each class.

framing "whole": the files as they are (320x240 fields, one WBC each). framing "route": each
file as the portal's route gives it to the classifier (ml.serving.route_image: a 4:3 frame is a
field, its strongest white cell cropped); a file the route classifies nothing in is passed over
for the next one.
"""

import csv
import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from ml.training import paths

SPLITS_CSV = Path(__file__).resolve().parents[2] / "ml" / "splits" / "kaggle.csv"


def kaggle_rows(split: str, csv_path: Path = SPLITS_CSV) -> list[dict]:
    with open(csv_path, newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["split"] == split]


def pick(rows: list[dict], seed: int, distinct_groups: bool) -> dict[str, list[dict]]:
    """Each class's rows in a seeded shuffle (the first of each group only, if asked)."""
    shuffled = sorted(rows, key=lambda row: row["file"])
    random.Random(seed).shuffle(shuffled)
    chosen: dict[str, list[dict]] = {}
    seen: set[tuple[str, str]] = set()
    for row in shuffled:
        members = chosen.setdefault(row["class"], [])
        if distinct_groups and (row["class"], row["group"]) in seen:
            continue
        seen.add((row["class"], row["group"]))
        members.append(row)
    return chosen


def write_tree(
    ordered: dict[str, list[dict]],
    count: int,
    out: Path,
    frame: Callable[[Image.Image], Image.Image | None] | None,
) -> dict[str, dict[str, int]]:
    """Write the first `count` files of each class that frame (as they are without `frame`)
    to out/<class>/; per class, how many were written and how many were passed over."""
    images_dir = paths.kaggle_images_dir(paths.default_data_dir())
    counts = {}
    for label, rows in sorted(ordered.items()):
        (out / label).mkdir(parents=True, exist_ok=True)
        written = passed_over = 0
        for row in rows:
            if written == count:
                break
            source = images_dir / row["file"]
            name = row["file"].replace("/", "_")
            if frame is None:
                (out / label / name).write_bytes(source.read_bytes())
            else:
                with Image.open(source) as image:
                    framed = frame(image)
                if framed is None:
                    passed_over += 1
                    continue
                framed.save(out / label / f"{Path(name).stem}.png")
            written += 1
        counts[label] = {"written": written, "passed_over": passed_over}
    return counts


def build(
    out: Path,
    shots: int,
    per_class: int,
    other_split: str,
    seed: int,
    frame: Callable[[Image.Image], Image.Image] | None,
) -> dict:
    """out/labelled and out/held_out; returns the counts."""
    labelled = pick(kaggle_rows("train"), seed, distinct_groups=True)
    other = pick(kaggle_rows(other_split), seed, distinct_groups=False)
    return {
        "labelled": write_tree(labelled, shots, out / "labelled", frame),
        "held_out": write_tree(other, per_class, out / "held_out", frame),
        "held_out_split": other_split,
    }
