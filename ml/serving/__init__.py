"""What the portal loads: a bundle's metadata, its TFLite model, and the image preprocessing.

No TensorFlow, no Keras, no argparse here (an import-linter contract checks the first two).

    from ml.serving import load_classifier
    classifier = load_classifier("default")       # an alias, a shipped name or a bundle directory
    [prediction] = classifier.predict([PIL.Image.open(path)])

Modules: bundle (bundle.json: read, resolve, write, format version), preprocess and cellcrop
(decode and frame an image), test_time_views (flips and rotations averaged at inference),
appearance (how a set of images looks next to the training images), classifier (LiteRT).
"""

from ml.serving.bundle import (
    ALIASES_FILE,
    BUNDLES_DIR,
    BundleError,
    read_bundle_metadata,
    resolve_bundle,
)
from ml.serving.classifier import Classifier, Prediction, load_classifier
from ml.serving.preprocess import (
    STRETCH,
    ImageDecodeError,
    framed_region,
    load_image,
    model_input,
)

__all__ = [
    "ALIASES_FILE",
    "BUNDLES_DIR",
    "STRETCH",
    "BundleError",
    "Classifier",
    "ImageDecodeError",
    "Prediction",
    "framed_region",
    "load_classifier",
    "load_image",
    "model_input",
    "read_bundle_metadata",
    "resolve_bundle",
]
