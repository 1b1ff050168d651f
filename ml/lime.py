"""LIME for one cell image: which superpixels make the model choose a class.

Needs numpy, scikit-image and Pillow, and a `classify` function (float32 batch (n, height,
width, 3) in 0..255 -> probabilities (n, classes)), such as `ml.serving.Classifier.probabilities`
on model.tflite; no TensorFlow, so any worker of the explain queue can run it.
Computing and drawing are separate: `lime_weights` returns the superpixel map and a weight per
superpixel, `render_lime` draws the most positive ones on the image.

Method (Ribeiro, Singh, Guestrin 2016, "Why should I trust you?", image variant): each sample
hides a random half of the SLIC superpixels, filled with the image's mean colour; a ridge
regression, weighted by an exponential kernel on the cosine distance of each sample to the whole
image, gives each superpixel its weight for the class.
"""

from collections.abc import Callable

import numpy as np
from PIL import Image
from skimage.segmentation import find_boundaries, slic

SAMPLES = 400
SEGMENTS = 40
KERNEL_WIDTH = 0.25
RIDGE_ALPHA = 1.0
BATCH = 32
TOP_SEGMENTS = 5
HIGHLIGHT = (255, 220, 0)


def lime_weights(
    classify: Callable[[np.ndarray], np.ndarray],
    image_array: np.ndarray,
    class_index: int,
    samples: int = SAMPLES,
    segments: int = SEGMENTS,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """(superpixel map (height, width) of ints from 0, weight per superpixel for the class)."""
    image_array = np.asarray(image_array, dtype=np.float32)
    segment_map = slic(image_array / 255.0, n_segments=segments, compactness=10, start_label=0)
    n_segments = int(segment_map.max()) + 1
    masks = np.random.default_rng(seed).integers(0, 2, size=(samples, n_segments))
    masks = masks.astype(np.float64)
    masks[0] = 1.0  # the unperturbed image anchors the regression
    fill = image_array.reshape(-1, 3).mean(axis=0)
    targets = np.concatenate(
        [
            np.asarray(
                classify(masked_images(image_array, segment_map, masks[i : i + BATCH], fill))
            )
            for i in range(0, samples, BATCH)
        ]
    )[:, class_index]
    kept = masks.sum(axis=1)
    # Cosine similarity of each mask to the all-ones mask; an all-hidden mask has none.
    cosine = kept / (np.sqrt(n_segments) * np.sqrt(kept) + 1e-12)
    kernel = np.sqrt(np.exp(-((1.0 - cosine) ** 2) / KERNEL_WIDTH**2))
    return segment_map, weighted_ridge(masks, targets, kernel)


def masked_images(
    image_array: np.ndarray, segment_map: np.ndarray, masks: np.ndarray, fill: np.ndarray
) -> np.ndarray:
    """One copy of the image per mask, its hidden superpixels filled with `fill`."""
    keep = masks[:, segment_map][..., np.newaxis] > 0  # (n, height, width, 1)
    return np.where(keep, image_array[np.newaxis], fill).astype(np.float32)


def weighted_ridge(
    features: np.ndarray, targets: np.ndarray, weights: np.ndarray, alpha: float = RIDGE_ALPHA
) -> np.ndarray:
    """The coefficients of a ridge regression with an (unpenalised) intercept, in closed form."""
    total = weights.sum()
    feature_mean = weights @ features / total
    target_mean = weights @ targets / total
    centred = features - feature_mean
    weighted = centred * weights[:, np.newaxis]
    gram = centred.T @ weighted + alpha * np.eye(features.shape[1])
    return np.linalg.solve(gram, weighted.T @ (targets - target_mean))


def render_lime(
    image: Image.Image, segment_map: np.ndarray, weights: np.ndarray, top: int = TOP_SEGMENTS
) -> Image.Image:
    """The image with its `top` most positive superpixels bright and outlined, the rest dimmed."""
    positive = [int(s) for s in np.argsort(weights)[::-1][:top] if weights[s] > 0]
    segments = Image.fromarray(segment_map.astype(np.int32))
    segments = np.asarray(segments.resize(image.size, Image.Resampling.NEAREST))
    chosen = np.isin(segments, positive)
    base = np.asarray(image.convert("RGB"), dtype=np.float32)
    out = np.where(chosen[..., np.newaxis], base, base * 0.35 + 255 * 0.15)
    out[find_boundaries(np.where(chosen, segments, -1), mode="inner") & chosen] = HIGHLIGHT
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
