"""Inference API for the portal: load a bundle's model.tflite and classify PIL images.

Never imports TensorFlow: the interpreter comes from ai_edge_litert (LiteRT). Usage:

    clf = load_classifier("default")          # or "pbc8", "kaggle4", or a bundle directory
    [prediction] = clf.predict([PIL.Image.open(path)])
    prediction.label, prediction.confidence, prediction.top(3)

Model outputs: model.tflite returns LOGITS (the last Dense layer has no softmax). Serving divides
them by the bundle's temperature (fitted on the validation split) and applies softmax, so
`Prediction.probabilities` are calibrated and sum to 1 (see ml/training/model.py and
ml/training/calibration.py).
"""

import importlib.metadata
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from ml.serving import appearance, test_time_views
from ml.serving.bundle import BundleError, read_bundle_metadata, resolve_bundle
from ml.serving.preprocess import (
    RESIZE_RULES,
    ImageDecodeError,
    decode_side,
    load_image,
    model_input,
)

__all__ = [
    "BundleError",
    "Classifier",
    "ImageDecodeError",
    "Prediction",
    "load_classifier",
    "resolve_bundle",
]

MODEL_FILE = "model.tflite"
SUPPORTED_INPUT = {"channels": (3,), "scaling": ("raw_0_255",), "resize": RESIZE_RULES}
# Model inputs per interpreter call: one cell's four test-time views. Larger calls run slower
# per image on CPU, since their activations no longer fit in the cache (pbc8 on one thread,
# 64 images: 152 images/s in calls of 4 inputs, 123 in calls of 16, 106 in calls of 32).
MAX_BATCH = 4
# One interpreter thread by default: Celery runs one prefork worker per core, and for these small
# models extra threads add more synchronisation than they save (measured: p50 1.0 ms with one
# thread, 2.3 ms with two, on a busy 2-core machine). Pass num_threads to change it.
DEFAULT_NUM_THREADS = 1


@dataclass(frozen=True)
class Prediction:
    """One image's calibrated result; `probabilities` maps every label to its probability."""

    label: str
    confidence: float
    probabilities: dict[str, float] = field(repr=False)
    # How the model input looked (ml/serving/appearance.py), for the portal's domain check.
    appearance: dict[str, float] = field(default_factory=dict, repr=False)

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        """The k most probable (label, probability) pairs, most probable first."""
        ranked = sorted(self.probabilities.items(), key=lambda item: item[1], reverse=True)
        return ranked[:k]


def _interpreter_class() -> tuple[type, str]:
    # Imported here: the web process imports ml.serving for the domain check and never runs a model.
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter, f"ai_edge_litert {importlib.metadata.version('ai-edge-litert')}"


def softmax_with_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise softmax of logits / temperature, computed stably in float64."""
    scaled = np.asarray(logits, dtype=np.float64) / float(temperature)
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


class Classifier:
    """A loaded bundle: metadata plus one TFLite interpreter, reused for every call.

    The interpreter is not thread-safe, so calls are serialised with a lock; Celery's prefork
    workers each load their own Classifier.
    """

    def __init__(self, bundle_dir: Path, metadata: dict, num_threads: int | None = None):
        self.bundle_dir = Path(bundle_dir)
        self.metadata = metadata
        self.name: str = metadata["name"]
        self.labels: list[str] = list(metadata["labels"])
        self.confidence_threshold = float(metadata["confidence_threshold"])
        self.temperature = float(metadata["temperature"])
        self.image_size = int(metadata["input"]["size"])
        self.resize_rule: str = metadata["input"]["resize"]
        self.tta: str = metadata.get("test_time_augmentation", test_time_views.NONE)
        exit_confidence = metadata.get("test_time_exit_confidence")
        self.exit_confidence = None if exit_confidence is None else float(exit_confidence)
        self.num_threads = num_threads or DEFAULT_NUM_THREADS
        interpreter_class, self.runtime = _interpreter_class()
        self._interpreter = interpreter_class(
            model_path=str(self.bundle_dir / MODEL_FILE), num_threads=self.num_threads
        )
        self._lock = threading.Lock()
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        self._check_model_shape()
        self._interpreter.allocate_tensors()
        self._batch_size = int(self._input["shape"][0])

    def __repr__(self) -> str:
        return f"<Classifier {self.name} {self.labels} from {self.bundle_dir}>"

    def _check_model_shape(self) -> None:
        input_shape = list(self._input["shape_signature"])
        output_shape = list(self._output["shape_signature"])
        size = self.image_size
        if input_shape[1:] != [size, size, 3]:
            raise BundleError(
                f"{self.bundle_dir}: model input {input_shape} is not [n, {size}, {size}, 3]"
            )
        if output_shape[-1] != len(self.labels):
            raise BundleError(
                f"{self.bundle_dir}: model has {output_shape[-1]} outputs"
                f" for {len(self.labels)} labels"
            )
        self._dynamic_batch = input_shape[0] == -1

    def _resize_input(self, count: int) -> bool:
        """Make the interpreter take `count` inputs; False if its batch size is fixed otherwise."""
        if count == self._batch_size:
            return True
        if not self._dynamic_batch:
            return False
        # Reallocating costs time, so the interpreter keeps the last batch size it saw.
        shape = [count, *self._input["shape"][1:]]
        self._interpreter.resize_tensor_input(self._input["index"], shape)
        self._interpreter.allocate_tensors()
        self._batch_size = count
        return True

    def _invoke(self, batch: np.ndarray) -> np.ndarray:
        """Raw model outputs for a float32 batch (n, size, size, 3)."""
        if not self._resize_input(len(batch)):
            return np.concatenate([self._invoke(batch[i : i + 1]) for i in range(len(batch))])
        self._interpreter.set_tensor(self._input["index"], batch)
        self._interpreter.invoke()
        return self._interpreter.get_tensor(self._output["index"]).copy()

    def _invoke_views(self, images: np.ndarray, tta: str, first_view: int = 0) -> np.ndarray:
        """Raw model outputs for the test-time views of `images` from `first_view` on,
        view-major. The views are written straight into the interpreter's input buffer (no
        batch of views in between)."""
        views = test_time_views.view_count(tta) - first_view
        if not self._resize_input(views * len(images)):
            return self._invoke(test_time_views.expand(images, tta)[first_view * len(images) :])
        # The buffer's array must be gone before invoke(): LiteRT refuses while one is alive.
        buffer = self._interpreter.tensor(self._input["index"])
        test_time_views.write_views(images, tta, buffer(), first_view)
        self._interpreter.invoke()
        return self._interpreter.get_tensor(self._output["index"]).copy()

    def _every_view(self, batch: np.ndarray, tta: str) -> np.ndarray:
        return np.concatenate(
            [
                test_time_views.average(self._invoke_views(chunk, tta), tta)
                for chunk in test_time_views.chunks(batch, tta, MAX_BATCH)
            ]
        )

    def _views_until_sure(self, batch: np.ndarray) -> np.ndarray:
        """The first view's logits where it is at least exit_confidence sure, else the mean
        over every view of the bundle's test-time augmentation (the first view run once)."""
        logits = self._every_view(batch, test_time_views.NONE)
        sure = softmax_with_temperature(logits, self.temperature).max(axis=1)
        unsure = np.flatnonzero(sure < self.exit_confidence)
        count = test_time_views.view_count(self.tta)
        for chunk in test_time_views.chunks(unsure, self.tta, MAX_BATCH):
            others = self._invoke_views(batch[chunk], self.tta, first_view=1)
            total = logits[chunk] + others.reshape(count - 1, len(chunk), -1).sum(axis=0)
            logits[chunk] = total / count
        return logits

    def logits(self, batch: np.ndarray, tta: str | None = None) -> np.ndarray:
        """Model logits (n, labels) for preprocessed float32 RGB 0..255 arrays: over the views
        of the bundle's test-time augmentation, stopping after the first view where it is sure
        (the bundle's test_time_exit_confidence); with `tta`, the mean over all of its views."""
        batch = np.asarray(batch, dtype=np.float32)
        if len(batch) == 0:
            return np.zeros((0, len(self.labels)))
        with self._lock:
            if (
                tta is None
                and self.exit_confidence is not None
                and self.tta != test_time_views.NONE
            ):
                return self._views_until_sure(batch)
            return self._every_view(batch, self.tta if tta is None else tta)

    def probabilities(self, batch: np.ndarray, every_view: bool = False) -> np.ndarray:
        """Calibrated probabilities (n, labels) for preprocessed float32 RGB 0..255 arrays;
        `every_view` runs all test-time views even where the first is sure (for comparisons)."""
        logits = self.logits(batch, self.tta if every_view else None)
        return softmax_with_temperature(logits, self.temperature)

    def predict(self, images: Sequence[Image.Image], every_view: bool = False) -> list[Prediction]:
        """Classify PIL images of any size and mode (framed by the bundle's resize rule)."""
        batch = self.model_input(images)
        probabilities = self.probabilities(batch, every_view)
        return self._predictions(probabilities, appearance.describe_batch(batch))

    def open_image(self, path: str | os.PathLike) -> Image.Image:
        """An image file decoded as small as this model's framing allows (a large JPEG is
        decoded at a reduced scale: preprocess.load_image); ImageDecodeError if unreadable."""
        return load_image(path, decode_side(self.image_size, self.resize_rule))

    def predict_paths(self, paths: Iterable[str | os.PathLike]) -> list[Prediction]:
        """Classify image files; an unreadable file raises ImageDecodeError naming it."""
        return self.predict([self.open_image(path) for path in paths])

    def model_input(self, images: Sequence[Image.Image]) -> np.ndarray:
        """float32 (n, size, size, 3) RGB 0..255: the images framed by the bundle's resize rule."""
        try:
            return model_input(list(images), self.image_size, self.resize_rule)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
            names = [getattr(image, "filename", "") or "<in-memory image>" for image in images]
            raise ImageDecodeError(f"cannot decode one of {names}: {error}") from error

    def _predictions(
        self, probabilities: np.ndarray, descriptions: list[dict[str, float]]
    ) -> list[Prediction]:
        results = []
        for row, description in zip(probabilities, descriptions, strict=True):
            best = int(row.argmax())
            results.append(
                Prediction(
                    label=self.labels[best],
                    confidence=float(row[best]),
                    probabilities={
                        label: float(p) for label, p in zip(self.labels, row, strict=True)
                    },
                    appearance=description,
                )
            )
        return results


def _check_input_contract(bundle_dir: Path, metadata: dict) -> None:
    for key, supported in SUPPORTED_INPUT.items():
        found = metadata["input"].get(key)
        if found not in supported:
            raise BundleError(f"{bundle_dir}: input {key}={found!r}; serving supports {supported}")
    if metadata.get("outputs", "logits") != "logits":
        raise BundleError(f"{bundle_dir}: outputs={metadata['outputs']!r}; serving expects logits")
    if metadata.get("test_time_augmentation", test_time_views.NONE) not in test_time_views.CHOICES:
        raise BundleError(
            f"{bundle_dir}: test_time_augmentation must be one of {test_time_views.CHOICES}"
        )
    if not float(metadata["temperature"]) > 0:
        raise BundleError(f"{bundle_dir}: temperature must be positive")
    exit_confidence = metadata.get("test_time_exit_confidence")
    if exit_confidence is not None and not (
        isinstance(exit_confidence, int | float) and 0 < exit_confidence <= 1
    ):
        raise BundleError(f"{bundle_dir}: test_time_exit_confidence must be in (0, 1]")


def load_classifier(name_or_path: str | os.PathLike, num_threads: int | None = None) -> Classifier:
    """Load a shipped bundle by name ("default", "pbc8", "kaggle4") or a bundle directory.

    Checks bundle.json and the sha256 of model.tflite (model.keras may be absent in deployment);
    raises BundleError when anything is missing, corrupt or unsupported.
    """
    bundle_dir = resolve_bundle(name_or_path)
    metadata = read_bundle_metadata(bundle_dir, verify_files=(MODEL_FILE,))
    _check_input_contract(bundle_dir, metadata)
    try:
        return Classifier(bundle_dir, metadata, num_threads=num_threads)
    except (ValueError, RuntimeError) as error:
        # The interpreter raises ValueError/RuntimeError for a file that is not a TFLite model.
        raise BundleError(f"{bundle_dir / MODEL_FILE} cannot be loaded: {error}") from error
