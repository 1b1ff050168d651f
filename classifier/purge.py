"""Purging a cell image: its stored file and every file made from it, in one place.

    purge_image_file(image_id, reason)    the files go; the row (checksum, size, prediction)
                                          stays: not retained once classified or failed, or the
                                          lab's retention period ended (classifier/tasks.py)
    delete_image(image_id, reason, ...)   the row goes too: a user deletes the image
                                          (classifier/views/images.py), or the admin deletes it
                                          or its case (classifier/admin.py)

Both write IMAGE_DELETED to the audit trail, naming the folders of the files made from the image
that went with it. A smear field's white-cell crops (child images, classifier/fields.py) share
its consent and retention: they go with the field, each audited as an image of its own.

Later steps keep files made from an image: review's Grad-CAM heatmap and the
copy kept with a correction for model improvement (review.Feedback) show the cell, so they must
not outlive the image file. The classifier may not import the apps built on it (the portal flows
one way), so such a model inherits DerivedFromImage and drops its own files of one image; the
purge calls every one of them, explicitly, before it returns.
"""

from pathlib import Path

from django.apps import apps
from django.db import transaction
from django.http import HttpRequest

from audit.models import AuditEvent
from audit.services import record
from classifier.models import CellImage


class DerivedFromImage:
    """A model whose rows hold a file made from one CellImage, deleted with the image's file.

    Its files live under `files_dir` in MEDIA_ROOT, which reconcile_media checks for orphans.
    """

    files_dir: str = ""

    @classmethod
    def delete_for_image(cls, image_id: int) -> list[Path]:
        """Drop what was made from image `image_id`; return the files for the purge to unlink.

        A model deletes its rows of the image, or (review.Feedback) keeps them and clears only
        their file.

        The purge unlinks them once delete_image's transaction has committed: unlinking here
        could lose a file whose row a rollback (a reviewed image) brings back.
        """
        raise NotImplementedError

    @classmethod
    def stored_files(cls) -> set[str]:
        """The files (relative to MEDIA_ROOT) that rows of this model name."""
        raise NotImplementedError


def derived_models() -> list[type[DerivedFromImage]]:
    return [model for model in apps.get_models() if issubclass(model, DerivedFromImage)]


def _delete_derived_rows(image_id: int) -> dict[str, list[Path]]:
    """The files made from the image, by folder (files_dir), for the purge to unlink."""
    derived = {}
    for model in derived_models():
        paths = model.delete_for_image(image_id)
        if paths:
            derived[model.files_dir] = paths
    return derived


def _derived_paths(derived: dict[str, list[Path]]) -> list[Path]:
    return [path for paths in derived.values() for path in paths]


def _unlink(paths: list[Path | None]) -> None:
    for path in paths:
        if path is not None:
            path.unlink(missing_ok=True)


def purge_image_file(image_id: int, reason: str) -> bool:
    """Delete the image's file and the files made from it; the row stays. True if a file went.

    Harmless to repeat: an image without a file (or no image at all) changes nothing and is not
    audited again.
    """
    image = CellImage.objects.select_related("case").filter(pk=image_id).first()
    if image is None:
        return False
    for child_id in image.cells.values_list("pk", flat=True):
        purge_image_file(child_id, reason)
    if not image.purge_file():
        return False
    derived = _delete_derived_rows(image.pk)
    _unlink(_derived_paths(derived))
    record(
        None,
        AuditEvent.Action.IMAGE_DELETED,
        obj=image,
        reason=reason,
        derived_files=sorted(derived),
    )
    return True


def delete_image(image_id: int, reason: str, request: HttpRequest | None = None) -> CellImage:
    """Delete the image row (its prediction cascades), its file and the files made from it;
    a field's white-cell images with theirs.

    Raises ProtectedError for a reviewed image (the review is part of the clinical record), and
    then nothing is deleted. The rows go in one transaction and the files once it has committed,
    so a crash in between leaves orphan files (found by reconcile_media), never rows pointing at
    nothing. Returns the deleted image, for messages.
    """
    with transaction.atomic():
        image = CellImage.objects.select_related("case").get(pk=image_id)
        children = list(image.cells.all())
        derived_of_children = [_delete_derived_rows(child.pk) for child in children]
        derived = _delete_derived_rows(image.pk)
        image.delete()  # the children cascade
    for child, child_derived in zip(children, derived_of_children, strict=True):
        _forget_deleted(request, child, child_derived, reason)
    _forget_deleted(request, image, derived, reason)
    return image


def _forget_deleted(request, image: CellImage, derived: dict[str, list[Path]], reason: str) -> None:
    """Once its row is gone: unlink a deleted image's file and derived files, and audit it."""
    _unlink([image.path, *_derived_paths(derived)])
    record(
        request,
        AuditEvent.Action.IMAGE_DELETED,
        obj=image,
        reason=reason,
        sha256=image.sha256,
        derived_files=sorted(derived),
    )
