"""A reviewed upload as the classifier saw it: what the adapted model must learn from is the
image the portal classifies, framed the same way (training and serving framing must match).

A white cell cut from a smear field is stored as its crop already (cells.write_tree copies it).
A single-cell upload goes through the cell finder's route here.
"""

from pathlib import Path

from PIL import Image

from ml.serving import ImageDecodeError, crop_cell, load_detector, load_image

_detector = None


def _loaded_detector():
    global _detector
    if _detector is None:
        _detector = load_detector()
    return _detector


def classifier_input(path: Path) -> Image.Image | None:
    """The strongest white cell the finder sees, cropped as the classifier's training images
    frame one; the image as it is when it finds none; None when the file cannot be read."""
    try:
        image = load_image(path)
    except (ImageDecodeError, OSError):
        return None
    detector = _loaded_detector()
    wbcs = [cell for cell in detector.find_cells(image) if cell.kind == "wbc"]
    if not wbcs:
        return image
    return crop_cell(image, wbcs[0].box, float(detector.metadata["wbc_crop"]["fill_share"]))
