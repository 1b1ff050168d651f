"""Augmenting a field with its boxes, and the CenterNet targets the detector learns.

Augmentation: a random affine map (a quarter turn or not, flips, a small extra rotation, a zoom
of 0.8-1.25 and a shift), then colour jitter (brightness, contrast, saturation, per-channel gain).
Cells are round, so a rotated box keeps the box of its rotated corners' extent; a cell the crop
cuts keeps the box of its visible part, as the labels box cells at a field's edge.

Targets at the output stride, per cell: a Gaussian bump on its class heatmap at its centre
(sigma from its size, as TTFNet), its width and height (in output cells) and the sub-cell offset
of its centre at the peak cell, and a mask of the peak cells.
"""

import math

import numpy as np
from PIL import Image

STRIDE = 4
NUM_CLASSES = 3
GAUSSIAN_ALPHA = 0.54  # sigma = alpha * size / 6 (TTFNet)
MIN_SIGMA = 0.6
TARGET_CHANNELS = NUM_CLASSES + 2 + 2 + 1  # heatmaps, size, offset, mask
# The smallest share of a cut cell's box the labels still box (BCCD boxes white-cell slivers
# down to about a quarter of the cell at the edge).
MIN_VISIBLE_SHARE = 0.2


def random_affine(
    rng: np.random.Generator, size: tuple[int, int], out_size: tuple[int, int]
) -> np.ndarray:
    """3x3 matrix from a (w, h) field's pixels to an `out_size` crop's, centred near a random
    point of the field (training runs on crops: the detector is fully convolutional)."""
    angle = rng.integers(4) * 90 + rng.uniform(-12, 12)
    zoom = math.exp(rng.uniform(math.log(0.8), math.log(1.25)))
    flip = -1.0 if rng.random() < 0.5 else 1.0
    cos, sin = math.cos(math.radians(angle)) * zoom, math.sin(math.radians(angle)) * zoom
    linear = np.array([[cos * flip, -sin], [sin * flip, cos]])
    centre = np.array(size, dtype=np.float64) / 2
    source = centre + rng.uniform(-0.3, 0.3, 2) * np.array(size)
    matrix = np.eye(3)
    matrix[:2, :2] = linear
    matrix[:2, 2] = np.array(out_size, dtype=np.float64) / 2 - linear @ source
    return matrix


def warp_field(pixels, boxes, classes, matrix: np.ndarray, out_size: tuple[int, int]):
    """Apply `matrix` to a uint8 field and its boxes. A cell the crop cuts keeps the box of its
    visible part, as the labels box a cell cut by a field's edge (so the model learns to find
    such cells where a field ends); one with less than MIN_VISIBLE_SHARE of its box left is
    dropped."""
    width, height = out_size
    inverse = np.linalg.inv(matrix)
    fill = tuple(int(v) for v in pixels.reshape(-1, 3).mean(axis=0))
    warped = Image.fromarray(pixels).transform(
        (width, height),
        Image.Transform.AFFINE,
        tuple(inverse[:2].ravel()),
        Image.Resampling.BILINEAR,
        fillcolor=fill,
    )
    centres = np.c_[(boxes[:, :2] + boxes[:, 2:]) / 2, np.ones(len(boxes))] @ matrix[:2].T
    sizes = (boxes[:, 2:] - boxes[:, :2]) @ np.abs(matrix[:2, :2]).T
    full = np.c_[centres - sizes / 2, centres + sizes / 2]
    visible = np.clip(full, 0, [width, height, width, height])
    kept = box_area(visible) >= MIN_VISIBLE_SHARE * np.maximum(box_area(full), 1e-6)
    return np.asarray(warped), visible[kept], classes[kept]


def box_area(boxes: np.ndarray) -> np.ndarray:
    return np.prod(np.clip(boxes[:, 2:] - boxes[:, :2], 0, None), axis=1)


def jitter_colour(rng: np.random.Generator, pixels: np.ndarray) -> np.ndarray:
    """Float32 0..255 field with random brightness, contrast, saturation and channel gains."""
    image = pixels.astype(np.float32)
    grey = image.mean(axis=2, keepdims=True)
    image = grey + (image - grey) * rng.uniform(0.7, 1.3)
    image = image * rng.uniform(0.92, 1.08, 3)
    mean = image.mean()
    image = mean + (image - mean) * rng.uniform(0.8, 1.2) + rng.uniform(-20, 20)
    return np.clip(image, 0, 255)


def augment(rng: np.random.Generator, field: tuple, out_size: tuple[int, int]):
    """(float32 crop, boxes, classes): a random view of a (pixels, boxes, classes) field."""
    pixels, boxes, classes = field
    matrix = random_affine(rng, (pixels.shape[1], pixels.shape[0]), out_size)
    warped, boxes, classes = warp_field(pixels, boxes, classes, matrix, out_size)
    return jitter_colour(rng, warped), boxes, classes


def gaussian(shape: tuple[int, int], centre: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    ys, xs = np.arange(shape[0])[:, None], np.arange(shape[1])[None, :]
    return np.exp(
        -((xs - centre[0]) ** 2) / (2 * sigma[0] ** 2)
        - ((ys - centre[1]) ** 2) / (2 * sigma[1] ** 2)
    )


def make_targets(boxes: np.ndarray, classes: np.ndarray, input_hw: tuple[int, int]) -> np.ndarray:
    """(h/STRIDE, w/STRIDE, TARGET_CHANNELS) float32 targets for one field."""
    out_h, out_w = input_hw[0] // STRIDE, input_hw[1] // STRIDE
    target = np.zeros((out_h, out_w, TARGET_CHANNELS), dtype=np.float32)
    for box, kind in zip(boxes / STRIDE, classes, strict=True):
        centre = (box[:2] + box[2:]) / 2
        size = np.maximum(box[2:] - box[:2], 0.5)
        peak = np.floor(centre).astype(int)
        if not (0 <= peak[0] < out_w and 0 <= peak[1] < out_h):
            continue
        # Heatmaps peak at the pixel centres (i + 0.5 in input-cell units): centre on the peak cell.
        bump = gaussian(
            (out_h, out_w), peak.astype(float), np.maximum(GAUSSIAN_ALPHA * size / 6, MIN_SIGMA)
        )
        target[..., kind] = np.maximum(target[..., kind], bump)
        target[peak[1], peak[0], kind] = 1.0
        target[peak[1], peak[0], 3:5] = size
        target[peak[1], peak[0], 5:7] = centre - peak
        target[peak[1], peak[0], 7] = 1.0
    return target
