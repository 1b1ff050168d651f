"""A smear field's white cells as cell images of their own, and what the finder found.

    field_cells(field, route)     one child CellImage per white cell the finder cropped (kind
                                  cell, `field` set, `box` its place, its crop stored as a PNG
                                  under MEDIA_ROOT), created once: a retried or redelivered task
                                  finds the children already there and makes no more
    finding(route)                the counts and found cells a field or a 'none' image keeps

A child shares the field's case, uploader, consent and retention (classifier/purge.py deletes
its file with the field's), and is classified and reviewed like any single-cell image.
"""

import io
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from classifier.models import CellImage
from classifier.storage import store_bytes

CROP_FORMAT = "PNG"


def finding(route) -> dict:
    """{"counts": {...}, "detections": [{kind, box, score}, ...]} of an ml.serving.Route."""
    return {
        "counts": route.counts,
        "detections": [
            {"kind": c.kind, "box": [round(v, 1) for v in c.box], "score": round(c.score, 4)}
            for c in route.cells
        ],
    }


def store_crop(picture) -> tuple[str, str, int]:
    """Write a crop as a PNG under MEDIA_ROOT; (name relative to MEDIA_ROOT, sha256, bytes)."""
    buffer = io.BytesIO()
    picture.save(buffer, format=CROP_FORMAT)
    name, sha256 = store_bytes(ContentFile(buffer.getvalue()), "png")
    return name, sha256, buffer.tell()


def crop_name(field: CellImage, number: int) -> str:
    # Names the child in lists and messages; the stored file has its own random name.
    return f"{field.original_name} · WBC {number}"[:255]


def field_cells(field: CellImage, route) -> list[CellImage]:
    """The field's child cell images, in the route's order (created on the first call)."""
    existing = list(field.cells.order_by("id"))
    if existing:
        return existing
    # The crops are written before the transaction (slow I/O stays outside it) and deleted
    # again if the rows are not made.
    stored = [store_crop(picture) for picture in route.inputs]
    try:
        with transaction.atomic():
            # Locked, so that two tasks on one field (a redelivery) cannot both make children.
            CellImage.objects.select_for_update().filter(pk=field.pk).first()
            existing = list(field.cells.order_by("id"))
            if not existing:
                for number, (cell, picture, file) in enumerate(
                    zip(route.classified, route.inputs, stored, strict=True), start=1
                ):
                    create_child(field, number, cell, picture, file)
    except BaseException:
        delete_stored(stored)
        raise
    if existing:
        delete_stored(stored)
        return existing
    return list(field.cells.order_by("id"))


def create_child(field: CellImage, number: int, cell, picture, file: tuple) -> CellImage:
    name, sha256, size = file
    return CellImage.objects.create(
        case=field.case,
        field=field,
        kind=CellImage.Kind.CELL,
        box=[round(v, 1) for v in cell.box],
        file=name,
        original_name=crop_name(field, number),
        sha256=sha256,
        size_bytes=size,
        width=picture.width,
        height=picture.height,
        image_format=CROP_FORMAT,
        consent_retain=field.consent_retain,
        retain_until=field.retain_until,
        uploaded_by=field.uploaded_by,
    )


def delete_stored(stored: list[tuple[str, str, int]]) -> None:
    for name, _sha256, _size in stored:
        (Path(settings.MEDIA_ROOT) / name).unlink(missing_ok=True)
