"""What the portal loads: a bundle's metadata, its TFLite model, and the image preprocessing.

No TensorFlow, no Keras, no argparse here (an import-linter contract checks the first two).

    from ml.serving import load_classifier
    classifier = load_classifier("default")       # an alias, a shipped name or a bundle directory
    [prediction] = classifier.predict([PIL.Image.open(path)])
    cells = find_cells(PIL.Image.open(path))       # the cell finder: [Cell(kind, box, score)]
    route = route_image(image, load_detector())    # cell, field or none; the classifier's inputs

Modules: bundle (bundle.json: read, resolve, write, format version), preprocess and cellcrop
(decode and frame an image), test_time_views (flips and rotations averaged at inference),
appearance (how a set of images looks next to the training images), classifier (LiteRT),
field_image and detector (the cell finder on whole smear fields), wbc_crop (a found white cell
framed as the classifier's training images frame one, and classified), stain (whether the
cells found look stained, as blood cells do), finder (every upload routed: one cell, a field of
cells, or no blood cells).
"""

from ml.serving.bundle import (
    ALIASES_FILE,
    BUNDLES_DIR,
    BundleError,
    read_bundle_metadata,
    resolve_bundle,
)
from ml.serving.classifier import Classifier, Prediction, load_classifier
from ml.serving.detector import Cell, Detector, find_cells, load_detector
from ml.serving.finder import Route, classify_route, route_image
from ml.serving.preprocess import (
    STRETCH,
    ImageDecodeError,
    framed_region,
    load_image,
    model_input,
)
from ml.serving.wbc_crop import ClassifiedCell, crop_cell

__all__ = [
    "ALIASES_FILE",
    "BUNDLES_DIR",
    "STRETCH",
    "BundleError",
    "Cell",
    "ClassifiedCell",
    "Classifier",
    "Detector",
    "ImageDecodeError",
    "Prediction",
    "Route",
    "classify_route",
    "crop_cell",
    "find_cells",
    "framed_region",
    "load_classifier",
    "load_detector",
    "load_image",
    "model_input",
    "read_bundle_metadata",
    "resolve_bundle",
    "route_image",
]
