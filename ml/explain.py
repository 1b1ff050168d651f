"""`python -m ml explain`: Grad-CAM (on model.keras) or LIME (on model.tflite) for one image.

Computing and drawing are separate: `gradcam_heatmap` and `lime_weights` return arrays, and
`render_overlay` / `render_lime` draw them on the image. This module imports TensorFlow (through
Keras); only the `explain` Celery queue and this command use it.

Grad-CAM and nested backbones: a transfer-learning model holds its backbone as one nested
sub-model, so a model from `model.input` to an inner conv layer is "graph disconnected". Instead
the forward pass is replayed layer by layer over the outer model, and the backbone step is a model
built inside the backbone's own graph that returns both its last spatial feature map and its
output. The replay is checked against the model's own output before it is trusted.
"""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image
from skimage.segmentation import find_boundaries, slic
from sklearn.linear_model import Ridge

from ml.bundle import read_bundle_metadata
from ml.preprocess import framed_region, load_image, model_input
from ml.serving import BundleError, Classifier, load_classifier

KERAS_FILE = "model.keras"
OVERLAY_ALPHA = 0.5
LIME_SAMPLES = 400
LIME_SEGMENTS = 40
LIME_KERNEL_WIDTH = 0.25
LIME_TOP_SEGMENTS = 5


# ---------------------------------------------------------------- Grad-CAM


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

    `image_array` is float32 RGB 0..255 at the model's input size, as ml.preprocess makes it.
    `class_index` defaults to the predicted class. An all-zero map stays zero (never NaN).
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


def render_overlay(
    image: Image.Image, heatmap: np.ndarray, alpha: float = OVERLAY_ALPHA
) -> Image.Image:
    """The image with the heatmap, stretched to its size, blended on top in the jet colour map.

    Blending is weighted by the heat, so cold regions keep the original colours.
    """
    from matplotlib import colormaps

    base = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    heat = Image.fromarray(np.asarray(heatmap, dtype=np.float32))
    heat = np.clip(np.asarray(heat.resize(image.size, Image.Resampling.BILINEAR)), 0.0, 1.0)
    colour = colormaps["jet"](heat)[..., :3]
    weight = alpha * heat[..., np.newaxis]
    blended = base * (1.0 - weight) + colour * weight
    return Image.fromarray(np.round(blended * 255).astype(np.uint8))


# ---------------------------------------------------------------- LIME


def lime_weights(
    classify: Callable[[np.ndarray], np.ndarray],
    image_array: np.ndarray,
    class_index: int,
    samples: int = LIME_SAMPLES,
    segments: int = LIME_SEGMENTS,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """LIME for images: (superpixel map (height, width), weight per superpixel for the class).

    `classify` maps a float32 batch (n, height, width, 3) in 0..255 to probabilities (n, classes).
    Each sample hides a random half of the superpixels (filled with the image's mean colour); a
    ridge regression, weighted by how close each sample is to the whole image, scores each one.
    """
    image_array = np.asarray(image_array, dtype=np.float32)
    segment_map = slic(image_array / 255.0, n_segments=segments, compactness=10, start_label=0)
    n_segments = int(segment_map.max()) + 1
    rng = np.random.default_rng(seed)
    masks = rng.integers(0, 2, size=(samples, n_segments)).astype(np.float32)
    masks[0] = 1.0  # the unperturbed image anchors the regression
    fill = image_array.reshape(-1, 3).mean(axis=0)
    targets = np.concatenate(
        [
            classify(_masked_images(image_array, segment_map, masks[start : start + 32], fill))
            for start in range(0, samples, 32)
        ]
    )[:, class_index]
    # Cosine distance to the all-ones mask, through LIME's exponential kernel.
    cosine = masks.sum(axis=1) / (np.sqrt(n_segments) * np.sqrt(masks.sum(axis=1)) + 1e-12)
    kernel = np.sqrt(np.exp(-((1.0 - cosine) ** 2) / LIME_KERNEL_WIDTH**2))
    regression = Ridge(alpha=1.0).fit(masks, targets, sample_weight=kernel)
    return segment_map, regression.coef_


def _masked_images(
    image_array: np.ndarray, segment_map: np.ndarray, masks: np.ndarray, fill: np.ndarray
) -> np.ndarray:
    keep = masks[:, segment_map][..., np.newaxis] > 0  # (n, height, width, 1)
    return np.where(keep, image_array[np.newaxis], fill).astype(np.float32)


def render_lime(
    image: Image.Image, segment_map: np.ndarray, weights: np.ndarray, top: int = LIME_TOP_SEGMENTS
) -> Image.Image:
    """The image with its `top` most positive superpixels bright and outlined, the rest dimmed."""
    positive = [int(s) for s in np.argsort(weights)[::-1][:top] if weights[s] > 0]
    segments = Image.fromarray(segment_map.astype(np.int32))
    segments = np.asarray(segments.resize(image.size, Image.Resampling.NEAREST))
    chosen = np.isin(segments, positive)
    base = np.asarray(image.convert("RGB"), dtype=np.float32)
    out = np.where(chosen[..., np.newaxis], base, base * 0.35 + 255 * 0.15)
    out[find_boundaries(np.where(chosen, segments, -1), mode="inner") & chosen] = (255, 220, 0)
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


# ---------------------------------------------------------------- command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="default", help="bundle directory or name (default)")
    parser.add_argument("image", type=Path, metavar="IMAGE")
    parser.add_argument("--method", choices=("gradcam", "lime"), default="gradcam")
    parser.add_argument("--out", type=Path, required=True, help="PNG file to write")
    parser.add_argument("--label", help="class to explain (default: the predicted class)")
    parser.add_argument("--samples", type=int, default=LIME_SAMPLES, help="LIME samples")


def load_keras_model(bundle_dir: Path) -> keras.Model:
    """The bundle's model.keras after checking its sha256 (load it once per worker process)."""
    path = Path(bundle_dir) / KERAS_FILE
    if not path.is_file():
        raise BundleError(f"{path} is missing: Grad-CAM needs the Keras model")
    read_bundle_metadata(bundle_dir, verify_files=(KERAS_FILE,))
    return keras.models.load_model(path, compile=False)


def explain_image(
    classifier: Classifier,
    image: Image.Image,
    method: str,
    label: str | None,
    samples: int = LIME_SAMPLES,
) -> tuple[Image.Image, str]:
    """(explanation drawn on the part of the image the model saw, the label explained)."""
    array = model_input([image], classifier.image_size, classifier.resize_rule)[0]
    image = framed_region(image, classifier.resize_rule)
    if label is None:
        label = classifier.labels[int(classifier.probabilities(array[np.newaxis])[0].argmax())]
    class_index = classifier.labels.index(label)
    if method == "gradcam":
        model = load_keras_model(classifier.bundle_dir)
        return render_overlay(image, gradcam_heatmap(model, array, class_index)), label
    segment_map, weights = lime_weights(
        classifier.probabilities, array, class_index, samples=samples
    )
    return render_lime(image, segment_map, weights), label


def run(args: argparse.Namespace) -> int:
    classifier = load_classifier(args.model)
    if args.label is not None and args.label not in classifier.labels:
        print(f"error: --label must be one of {classifier.labels}", file=sys.stderr)
        return 2
    image = load_image(args.image)
    drawing, label = explain_image(classifier, image, args.method, args.label, args.samples)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    drawing.save(args.out, format="PNG")
    print(f"{args.image}: {args.method} for {label} written to {args.out}")
    return 0
