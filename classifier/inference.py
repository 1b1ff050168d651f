"""Worker-side inference: the lab's model version's classifier, loaded once per process.

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

from classifier.models import CellImage, ModelVersion

logger = logging.getLogger(__name__)

_cache: dict[int, object] = {}  # oldest first
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


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def classify(image: CellImage) -> InferenceResult:
    """Run the lab's model version (its own, else the active one) on the image's stored file.

    Raises NoActiveModelError, ImageFileMissingError, ml.serving.BundleError (a broken bundle)
    or ml.serving.ImageDecodeError (an unreadable file).
    """
    from ml.serving import load_image

    version = version_for(image)
    classifier = classifier_for(version)
    if image.path is None or not image.path.is_file():
        raise ImageFileMissingError(f"the stored file of image {image.public_id} is missing")
    started = time.perf_counter()
    [prediction] = classifier.predict([load_image(image.path)])
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    return InferenceResult(
        version=version,
        label=prediction.label,
        confidence=float(prediction.confidence),
        probabilities={label: float(p) for label, p in prediction.probabilities.items()},
        elapsed_ms=elapsed_ms,
        appearance=dict(prediction.appearance),
    )
