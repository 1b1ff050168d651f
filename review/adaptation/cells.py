"""The reviewed cells of a lab that a model may learn from, and the tree `python -m ml adapt`
reads.

A cell counts when a reviewer corrected it and its consented copy is kept (Feedback with a file),
or confirmed it while its consented file is still stored (the logic of
`manage.py export_feedback --accepted`). Only the lab's own cells, never another lab's; never
"other / artefact", which is not a cell class. A cell is named by its SHA-256 everywhere.
"""

import random
import shutil
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from django.db.models import F

from classifier.labels import OTHER_LABEL
from review.adaptation import framing
from review.models import Feedback, Review

# The share of each class kept apart to judge the adapted model (at least one cell per class).
HELD_OUT_SHARE = 0.25


class ReviewedCell(NamedTuple):
    path: Path | None
    label: str
    predicted_label: str
    model_version: str
    sha256: str
    # A white cell cut from a smear field: its stored file is already the classifier's input.
    from_field: bool = False


def corrected_cells(lab=None, include_other: bool = False) -> list[ReviewedCell]:
    """Corrections whose consented copy is still kept (the retention purge deletes it)."""
    corrections = Feedback.objects.filter(consent=True).exclude(file="")
    if lab is not None:
        corrections = corrections.filter(lab=lab)
    if not include_other:
        corrections = corrections.exclude(corrected_label=OTHER_LABEL)
    corrections = corrections.select_related("model_version", "image")
    return [
        ReviewedCell(
            feedback.path,
            feedback.corrected_label,
            feedback.predicted_label,
            feedback.model_version.name,
            feedback.sha256,
            feedback.image is not None and feedback.image.field_id is not None,
        )
        for feedback in corrections.order_by("corrected_label", "sha256")
    ]


def accepted_cells(lab=None, include_other: bool = False) -> list[ReviewedCell]:
    """Confirmed reviews whose consented file is still kept."""
    reviews = Review.objects.filter(label=F("predicted_label"), image__consent_retain=True).exclude(
        image__file=""
    )
    if lab is not None:
        reviews = reviews.filter(image__case__lab=lab)
    if not include_other:
        reviews = reviews.exclude(label=OTHER_LABEL)
    reviews = reviews.select_related("image__prediction__model_version")
    return [
        ReviewedCell(
            review.image.path,
            review.label,
            review.predicted_label,
            review.image.prediction.model_version.name,
            review.image.sha256,
            review.image.field_id is not None,
        )
        for review in reviews.order_by("label", "image__sha256")
    ]


def lab_cells(lab) -> list[ReviewedCell]:
    """Every reviewed cell of `lab` a model may learn from, one per SHA-256."""
    unique = {}
    for cell in corrected_cells(lab) + accepted_cells(lab):
        unique.setdefault(cell.sha256, cell)
    return list(unique.values())


def counts_per_class(cells: list[ReviewedCell]) -> dict[str, int]:
    return dict(sorted(Counter(cell.label for cell in cells).items()))


def ready_to_adapt(counts: dict[str, int], minimum: int) -> bool:
    """Every class the lab has reviewed has at least `minimum` cells (and there is one)."""
    return bool(counts) and all(count >= minimum for count in counts.values())


def split_held_out(cells: list[ReviewedCell], seed: int = 1) -> tuple[list, list]:
    """(cells to train on, cells held out): about HELD_OUT_SHARE of each class, at least one,
    chosen by a fixed shuffle so the same cells give the same split."""
    train, held_out = [], []
    by_class: dict[str, list[ReviewedCell]] = {}
    for cell in sorted(cells, key=lambda cell: cell.sha256):
        by_class.setdefault(cell.label, []).append(cell)
    rng = random.Random(seed)
    for label in sorted(by_class):
        members = by_class[label]
        rng.shuffle(members)
        count = max(1, round(HELD_OUT_SHARE * len(members)))
        held_out += members[:count]
        train += members[count:]
    return train, held_out


def write_cell(cell: ReviewedCell, directory: Path) -> Path | None:
    """Write `cell` framed as the classifier sees it (review/adaptation/framing.py) to
    DIR/<label>/<sha256>.<ext>; the file written, or None when it is gone or cannot be read."""
    if cell.path is None or not cell.path.is_file():
        return None
    framed = None if cell.from_field else framing.classifier_input(cell.path)
    if not cell.from_field and framed is None:
        return None
    folder = directory / cell.label
    folder.mkdir(parents=True, exist_ok=True)
    if framed is None:
        target = folder / f"{cell.sha256}{cell.path.suffix.lower()}"
        shutil.copyfile(cell.path, target)
    else:
        target = folder / f"{cell.sha256}.png"
        framed.save(target)
    return target


def write_tree(cells: list[ReviewedCell], directory: Path) -> list[ReviewedCell]:
    """write_cell for each cell; returns the cells written."""
    return [cell for cell in cells if write_cell(cell, directory) is not None]
