"""LIME for images on a bundle's TFLite model: which superpixels the class depends on.

Computing only: `lime_weights` returns the superpixel map and a weight per superpixel;
ml/explain/render.py draws them.
"""

from collections.abc import Callable

import numpy as np
from skimage.segmentation import slic
from sklearn.linear_model import Ridge

LIME_SAMPLES = 400
LIME_SEGMENTS = 40
LIME_KERNEL_WIDTH = 0.25


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
