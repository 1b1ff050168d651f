"""A reviewed upload as the classifier saw it: the adapted model must learn from the image the
portal classifies, framed the same way (training and serving framing must match).

A white cell cut from a smear field is stored as its crop already (cells.write_tree copies it).
Any other upload goes through the cell finder's route (ml.serving.route_image) with the
detector the classify task uses (classifier.inference.detector): a single-cell image as it is,
a field's strongest white cell as its crop.
"""

from pathlib import Path

from PIL import Image

from classifier import inference
from ml.serving import ImageDecodeError, load_image, route_image


def classifier_input(path: Path) -> Image.Image | None:
    """The classifier's input for the upload at `path`; None when the file cannot be read or
    the route finds no white cell to classify in it."""
    try:
        image = load_image(path)
    except (ImageDecodeError, OSError):
        return None
    route = route_image(image, inference.detector())
    return route.inputs[0] if route.inputs else None


def description() -> dict:
    """What framed the cells, for the adapted version's lineage."""
    return {"route": "ml.serving.route_image", "detector": inference.detector().name}
