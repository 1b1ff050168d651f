"""What a smear field's page shows: its picture with the boxes the finder drew, the counts by
kind, and each white cell as an image of its own (crop, prediction, review link)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from classifier.access import may_see_image_file
from classifier.models import CellImage
from classifier.summaries import counts_text, prediction_summary

# Drawing order: red cells under platelets under white cells.
KINDS = (
    ("rbc", _("Red cells")),
    ("platelet", _("Platelets")),
    ("wbc", _("White cells")),
)


def box_rect(box: list[float]) -> dict:
    x0, y0, x1, y1 = box
    return {"x": x0, "y": y0, "width": max(x1 - x0, 0), "height": max(y1 - y0, 0)}


def kind_layers(field: CellImage) -> list[dict]:
    """One layer of boxes per kind, with its count, for the SVG overlay and its toggles."""
    layers = []
    for kind, name in KINDS:
        boxes = [box_rect(cell["box"]) for cell in field.detections if cell["kind"] == kind]
        layers.append(
            {"kind": kind, "name": name, "count": field.counts.get(kind, 0), "boxes": boxes}
        )
    return layers


def file_url(image: CellImage, membership: Membership) -> str | None:
    if image.has_file and may_see_image_file(membership, image):
        return reverse("classifier:image_file", args=[image.public_id])
    return None


def cell_summary(cell: CellImage, number: int, membership: Membership) -> dict:
    reviewable = membership.can_review and hasattr(cell, "prediction")
    return {
        "id": str(cell.public_id),
        "number": number,
        "name": cell.original_name,
        "status": cell.status,
        "status_display": cell.get_status_display(),
        "box": box_rect(cell.box) if cell.box else None,
        "file_url": file_url(cell, membership),
        "prediction": prediction_summary(cell),
        "reviewed": hasattr(cell, "review"),
        "review_url": (
            reverse("review:image", args=[cell.case.public_id, cell.public_id])
            if reviewable
            else None
        ),
    }


def field_context(field: CellImage, membership: Membership) -> dict:
    cells = field.cells.select_related("prediction__model_version", "review", "case").order_by(
        "created", "id"
    )
    return {
        "case": field.case,
        "field": field,
        "file_url": file_url(field, membership),
        "layers": kind_layers(field),
        "counts_text": counts_text(field.counts),
        "cells": [cell_summary(cell, n, membership) for n, cell in enumerate(cells, start=1)],
    }
