"""Worker-side inference: the cell finder and the lab's model version's classifier, each loaded
once per process.

Every upload goes through the finder first (`find_cells`: settings.CELL_DETECTOR, routed by
ml.serving.route_image into one cell, a field of cells, or no blood cells); then the classifier
sees what the route shows it (`classify_pictures`: one model call for all of a field's cells).

Each call asks the database which ModelVersion classifies the image's lab (its own, else the
active one: one small query), so a change in the admin takes effect in running workers at their
next task, without a restart. Loaded classifiers are cached per process, keyed by the version's
id; the few most recently used are kept (labs with their own versions take turns).

ml.serving is imported lazily: it brings in numpy and LiteRT, which the web process never needs
just to import its views.
"""

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from classifier.models import CellImage, ModelVersion

logger = logging.getLogger(__name__)

_cache: dict[int, object] = {}  # oldest first
_detectors: dict[str, object] = {}
_cache_lock = threading.Lock()
MAX_LOADED = 4  # a MobileNet bundle takes a few MB in memory


class NoActiveModelError(Exception):
    """No ModelVersion is active and the lab has none of its own, so nothing can classify (an
    admin has to activate one)."""


class ImageFileMissingError(Exception):
    """The image's stored file is not on disk (deleted, or never written)."""


@dataclass(frozen=True)
class InferenceResult:
    version: ModelVersion
    label: str
    confidence: float
    probabilities: dict[str, float]
    elapsed_ms: int
    appearance: dict[str, float]

    @property
    def unidentified(self) -> bool:
        return self.confidence < self.version.confidence_threshold


def version_for(image: CellImage) -> ModelVersion:
    version = ModelVersion.for_lab(image.case.lab)
    if version is None:
        raise NoActiveModelError("no model version is active")
    return version


def classifier_for(version: ModelVersion):
    """The loaded ml.serving.Classifier for `version`, from this process's cache when possible."""
    with _cache_lock:
        loaded = _cache.pop(version.pk, None)
        if loaded is None:
            from ml.serving import load_classifier

            logger.info("Loading model version %s from %s", version, version.bundle_dir)
            loaded = load_classifier(version.bundle_dir)
            while len(_cache) >= MAX_LOADED:  # drop the least recently used
                _cache.pop(next(iter(_cache)))
        _cache[version.pk] = loaded  # re-inserted: now the most recently used
        return loaded


def detector():
    """The loaded ml.serving.Detector named by settings.CELL_DETECTOR (loaded once)."""
    name = settings.CELL_DETECTOR
    with _cache_lock:
        if name not in _detectors:
            from ml.serving import load_detector

            logger.info("Loading cell detector %s", name)
            _detectors[name] = load_detector(name)
        return _detectors[name]


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
        _detectors.clear()


def open_stored(image: CellImage):
    """The image's stored file, decoded (RGB PIL image)."""
    from ml.serving import load_image

    if image.path is None or not image.path.is_file():
        raise ImageFileMissingError(f"the stored file of image {image.public_id} is missing")
    return load_image(image.path)


def find_cells(image: CellImage):
    """(decoded picture, ml.serving.Route): where the upload goes and what the classifier sees."""
    from ml.serving import route_image

    picture = open_stored(image)
    return picture, route_image(picture, detector())


def classify_pictures(image: CellImage, pictures: list) -> list[InferenceResult]:
    """Classify decoded pictures of `image`'s case with the lab's model version, in one call."""
    version = version_for(image)
    classifier = classifier_for(version)
    started = time.perf_counter()
    predictions = classifier.predict(pictures)
    elapsed_ms = round((time.perf_counter() - started) * 1000 / max(1, len(pictures)))
    return [
        InferenceResult(
            version=version,
            label=prediction.label,
            confidence=float(prediction.confidence),
            probabilities={label: float(p) for label, p in prediction.probabilities.items()},
            elapsed_ms=elapsed_ms,
            appearance=dict(prediction.appearance),
        )
        for prediction in predictions
    ]


def classify(image: CellImage) -> InferenceResult:
    """Run the lab's model version (its own, else the active one) on the image's stored file
    as it is: a single-cell image, or a white cell cropped from a field.

    Raises NoActiveModelError, ImageFileMissingError, ml.serving.BundleError (a broken bundle)
    or ml.serving.ImageDecodeError (an unreadable file).
    """
    classifier_for(version_for(image))  # a missing model is reported before a missing file
    [result] = classify_pictures(image, [open_stored(image)])
    return result
