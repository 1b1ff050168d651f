"""Uploads: validate each file by its content, store it under a random name, queue its task.

Pipeline for one upload (`accept_upload`):
    check_upload   size caps, Pillow open with a format whitelist, pixel cap, verify(), full load
    store_bytes    write to a temporary name next to the target, fsync, rename; sha256 on the way
                   (classifier/storage.py)
    CellImage row  created in a transaction that locks the case, refused if the case already
                   has a file with the same sha256 (counted once, so the differential stays
                   right); classify_image sent when it commits (marked unsent if the broker
                   refuses: tasks.recover_lost_work sends it later)
A refused file leaves nothing behind: no file, no row. The name or Content-Type a browser sends
is never trusted; only what Pillow decodes counts.
"""

import contextlib
import functools
import logging
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, UnidentifiedImageError

from accounts.models import User
from classifier.models import Case, CellImage
from classifier.storage import store_bytes
from classifier.tasks import queue_classification

logger = logging.getLogger(__name__)

# Pillow format name -> extension of the stored file. MPO is how Pillow names camera JPEGs
# that carry a second (preview) picture.
ALLOWED_FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "TIFF": "tif", "BMP": "bmp"}
PILLOW_PLUGINS = ["JPEG", "PNG", "TIFF", "BMP"]
_truncation_lock = threading.Lock()


class UploadRefused(Exception):
    """A file was not accepted; the message says why, for the person who uploaded it."""


@dataclass(frozen=True)
class CheckedImage:
    image_format: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return ALLOWED_FORMATS[self.image_format]


@dataclass(frozen=True)
class Refusal:
    name: str
    reason: str


@dataclass
class IntakeResult:
    accepted: list[CellImage] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def clean_name(upload: UploadedFile) -> str:
    """The file's own name without any folder part, for messages only."""
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255] or _("(unnamed file)")


def check_upload(upload: UploadedFile) -> CheckedImage:
    """Decode the upload completely; raise UploadRefused unless it is a sound, allowed image."""
    if not upload.size:
        raise UploadRefused(_("the file is empty"))
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise UploadRefused(
            _("the file is larger than %(limit)s")
            % {"limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
        )
    allowed = _("only JPEG, PNG, TIFF and BMP images are accepted")
    try:
        with warnings.catch_warnings():
            # Pillow warns before it refuses; a warning is already too many pixels for us.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            checked = _open_and_verify(upload)
            _load_fully(upload)
    except UploadRefused:
        raise
    except UnidentifiedImageError as error:
        raise UploadRefused(allowed) from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadRefused(_too_many_pixels()) from error
    except Exception as error:  # Pillow raises many types (OSError, SyntaxError, struct.error...)
        logger.info("Refused a damaged image upload: %r", error)
        raise UploadRefused(_("the image is damaged or incomplete")) from error
    finally:
        upload.seek(0)
    if checked.image_format not in ALLOWED_FORMATS:
        raise UploadRefused(allowed)
    return checked


def _too_many_pixels() -> str:
    return _("the image has more than %(limit)s pixels") % {
        "limit": f"{settings.UPLOAD_MAX_PIXELS:,}"
    }


def _open_and_verify(upload: UploadedFile) -> CheckedImage:
    upload.seek(0)
    with Image.open(upload, formats=PILLOW_PLUGINS) as image:
        width, height = image.size
        # Checked on the header, before anything is decoded.
        if width * height > settings.UPLOAD_MAX_PIXELS:
            raise UploadRefused(_too_many_pixels())
        checked = CheckedImage(image.format, width, height)
        image.verify()
    return checked


@contextlib.contextmanager
def _truncated_images_refused():
    # WeasyPrint (imported by the reports app) sets Pillow's process-wide LOAD_TRUNCATED_IMAGES
    # to True when it is imported, which makes load() pad a truncated file instead of failing.
    # Uploads are checked with it off; the lock keeps concurrent checks from restoring it early.
    with _truncation_lock:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _load_fully(upload: UploadedFile) -> None:
    # verify() leaves the image unusable and does not decode pixel data: a truncated JPEG passes
    # it, so the file is opened again and decoded completely.
    upload.seek(0)
    with _truncated_images_refused(), Image.open(upload, formats=PILLOW_PLUGINS) as image:
        image.load()


def refuse_duplicate(case: Case, sha256: str) -> None:
    """UploadRefused if the case already has this very file (same checksum)."""
    # Only uploads: a field's white-cell crops are files the worker made, never uploaded.
    earlier = case.images.filter(sha256=sha256, field__isnull=True).first()
    if earlier is not None:
        raise UploadRefused(
            _("this file is already in the case (as %(name)s)") % {"name": earlier.original_name}
        )


def accept_upload(
    case: Case, upload: UploadedFile, *, consent_retain: bool, user: User | None
) -> CellImage:
    """Validate, store and queue one upload; UploadRefused (nothing stored) if it is not sound."""
    if case.is_signed:
        raise UploadRefused(_("the case is signed off, so no images can be added"))
    checked = check_upload(upload)
    name, sha256 = store_bytes(upload, checked.extension)
    try:
        with transaction.atomic():
            # Locked, so that the same file sent twice at once is still found by one of them.
            Case.objects.select_for_update().filter(pk=case.pk).first()
            refuse_duplicate(case, sha256)
            image = CellImage(
                case=case,
                file=name,
                original_name=clean_name(upload),
                sha256=sha256,
                size_bytes=upload.size,
                width=checked.width,
                height=checked.height,
                image_format=checked.image_format,
                consent_retain=consent_retain,
                uploaded_by=user,
            )
            image.retain_until = image.retention_deadline(timezone.now())
            image.save(force_insert=True)  # one INSERT, with its deadline
            case.start_processing()
            transaction.on_commit(functools.partial(queue_classification, image.pk))
    except BaseException:
        (Path(settings.MEDIA_ROOT) / name).unlink(missing_ok=True)
        raise
    return image


def accept_uploads(
    case: Case, uploads: list[UploadedFile], *, consent_retain: bool, user: User | None
) -> IntakeResult:
    """Take each upload on its own: a refused file is reported and the others go through."""
    result = IntakeResult()
    for upload in uploads:
        try:
            result.accepted.append(
                accept_upload(case, upload, consent_retain=consent_retain, user=user)
            )
        except UploadRefused as refusal:
            result.refused.append(Refusal(clean_name(upload), str(refusal)))
    return result
