"""Writing a new file under MEDIA_ROOT: a random name, a temporary name first, a checksum.

Uploads (classifier/intake.py) and the white-cell crops of a field (classifier/fields.py) are
stored the same way.
"""

import hashlib
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.utils import timezone

IMAGES_DIR = "images"
PARTIAL_SUFFIX = ".part"

__all__ = ["IMAGES_DIR", "PARTIAL_SUFFIX", "store_bytes"]


def store_bytes(upload: File, extension: str) -> tuple[str, str]:
    """Write the upload under a new random name; return (name relative to MEDIA_ROOT, sha256).

    The bytes go to a temporary name in the target folder first and are renamed once complete,
    so a half-written file never carries a real image name.
    """
    now = timezone.now()
    relative = Path(IMAGES_DIR) / f"{now:%Y}" / f"{now:%m}" / f"{uuid.uuid4().hex}.{extension}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}{PARTIAL_SUFFIX}")
    digest = hashlib.sha256()
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        with os.fdopen(descriptor, "wb") as out:
            upload.seek(0)
            for chunk in upload.chunks():
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    finally:
        upload.seek(0)
    return relative.as_posix(), digest.hexdigest()
