"""Small inline thumbnails of retained images for the PDF report (data: URIs, nothing fetched)."""

import base64
import io

from PIL import Image, UnidentifiedImageError

from classifier.models import CellImage

THUMBNAIL_SIZE = (96, 96)


def thumbnail_data_uri(image: CellImage) -> str | None:
    """A PNG data: URI of the image, at most 96 px; None when the file is gone or unreadable.

    None too for an image uploaded without consent: its file is kept for the lab's reviewers
    until sign-off, and a downloaded report would keep a copy of it for good.
    """
    path = image.path
    if not image.consent_retain or path is None or not path.is_file():
        return None
    try:
        with Image.open(path) as picture:
            picture = picture.convert("RGB")
            picture.thumbnail(THUMBNAIL_SIZE)
            buffer = io.BytesIO()
            picture.save(buffer, format="PNG")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
