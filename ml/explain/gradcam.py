"""Grad-CAM on a bundle's model.keras: which part of the image pushed the model to a class.

Computing is `gradcam_heatmap` (an array in [0, 1]); drawing it is ml/explain/render.py.

Nested backbones: a transfer-learning model holds its backbone as one nested sub-model, so a model
from `model.input` to an inner conv layer is "graph disconnected". Instead the forward pass is
replayed layer by layer over the outer model, and the backbone step is a model built inside the
backbone's own graph that returns both its last spatial feature map and its output. The replay is
checked against the model's own output before it is trusted.
"""

from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from ml.serving import BundleError, read_bundle_metadata

KERAS_FILE = "model.keras"


def load_keras_model(bundle_dir: Path) -> keras.Model:
    """The bundle's model.keras after checking its sha256 (load it once per worker process)."""
    path = Path(bundle_dir) / KERAS_FILE
    if not path.is_file():
        raise BundleError(f"{path} is missing: Grad-CAM needs the Keras model")
    read_bundle_metadata(bundle_dir, verify_files=(KERAS_FILE,))
    return keras.models.load_model(path, compile=False)


def _last_spatial_layer(model: keras.Model) -> keras.layers.Layer:
    """The last layer whose output is a 4-D feature map (batch, height, width, channels)."""
    for layer in reversed(model.layers):
        if not isinstance(layer, keras.Model) and len(layer.output.shape) == 4:
            return layer
    raise ValueError(f"model {model.name!r} has no layer with a spatial (4-D) output")


def _nested_backbone(model: keras.Model) -> keras.Model | None:
    """The last nested sub-model that holds a spatial layer (the backbone), if any."""
    for layer in reversed(model.layers):
        if isinstance(layer, keras.Model):
            try:
                _last_spatial_layer(layer)
                return layer
            except ValueError:
                continue
    return None


def _feature_map_and_output(model: keras.Model) -> Callable[[tf.Tensor], tuple]:
    """A function batch -> (last spatial feature map, model output), differentiable in between."""
    backbone = _nested_backbone(model)
    if backbone is None:
        grad_model = keras.Model(model.inputs, [_last_spatial_layer(model).output, model.output])
        return lambda batch: grad_model(batch, training=False)
    inner = keras.Model(backbone.inputs, [_last_spatial_layer(backbone).output, backbone.output])

    def replay(batch):
        x, feature_map = batch, None
        for layer in model.layers:
            if isinstance(layer, keras.layers.InputLayer):
                continue
            if layer is backbone:
                feature_map, x = inner(x, training=False)
            else:
                x = layer(x, training=False)
        return feature_map, x

    return replay


def _as_batch(image_array: np.ndarray) -> np.ndarray:
    array = np.asarray(image_array, dtype=np.float32)
    if array.ndim == 3:
        array = array[np.newaxis]
    if array.ndim != 4 or len(array) != 1:
        raise ValueError(f"expected one image (height, width, 3), got shape {array.shape}")
    return array


def gradcam_heatmap(
    model: keras.Model, image_array: np.ndarray, class_index: int | None = None
) -> np.ndarray:
    """Grad-CAM map (feature-map height, width) in [0, 1] for one preprocessed image.

    `image_array` is float32 RGB 0..255 at the model's input size, as ml.serving.preprocess makes
    it. `class_index` defaults to the predicted class. An all-zero map stays zero (never NaN).
    """
    batch = tf.convert_to_tensor(_as_batch(image_array))
    forward = _feature_map_and_output(model)
    with tf.GradientTape() as tape:
        feature_map, output = forward(batch)
        if class_index is None:
            class_index = int(tf.argmax(output[0]))
        score = output[:, class_index]
    expected = model(batch, training=False)
    if not np.allclose(output.numpy(), np.asarray(expected), atol=1e-4, rtol=1e-3):
        raise ValueError(f"cannot replay model {model.name!r} layer by layer for Grad-CAM")
    gradients = tape.gradient(score, feature_map)
    if gradients is None:
        return np.zeros(feature_map.shape[1:3], dtype=np.float32)
    channel_weights = tf.reduce_mean(gradients, axis=(0, 1, 2))
    cam = tf.nn.relu(tf.reduce_sum(feature_map[0] * channel_weights, axis=-1)).numpy()
    return normalise_heatmap(cam)


def normalise_heatmap(cam: np.ndarray) -> np.ndarray:
    """Scale a non-negative map to [0, 1]; a map that is all zero (or not finite) stays zero."""
    cam = np.nan_to_num(np.asarray(cam, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    cam = np.maximum(cam, 0.0)
    peak = float(cam.max()) if cam.size else 0.0
    # Without this guard a class with no positive evidence gives 0/0 = NaN everywhere.
    return cam / peak if peak > 0 else np.zeros_like(cam)
