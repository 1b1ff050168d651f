"""LIME on a toy classifier: numpy only, no model file, no TensorFlow."""

import numpy as np
from PIL import Image

from ml.explain.lime import lime_weights
from ml.explain.render import render_lime


def two_halves() -> np.ndarray:
    """Left half red, right half blue."""
    image = np.zeros((48, 48, 3), dtype=np.float32)
    image[:, :24] = (230, 30, 30)
    image[:, 24:] = (30, 30, 230)
    return image


def red_detector(batch: np.ndarray) -> np.ndarray:
    """Class 0 "red": the share of strongly red pixels; class 1 is the rest."""
    red = ((batch[..., 0] > 150) & (batch[..., 2] < 100)).mean(axis=(1, 2)) * 2
    red = np.clip(red, 0, 1)
    return np.stack([red, 1 - red], axis=1)


def test_the_superpixels_that_make_the_class_get_positive_weights():
    image = two_halves()

    segment_map, weights = lime_weights(red_detector, image, class_index=0, samples=120)

    assert segment_map.shape == (48, 48)
    left = np.unique(segment_map[:, :20])
    right = np.unique(segment_map[:, 28:])
    assert weights[left].min() > 0
    assert weights[left].mean() > weights[right].max()


def test_it_is_reproducible_with_a_seed():
    first = lime_weights(red_detector, two_halves(), 0, samples=64, seed=3)[1]
    second = lime_weights(red_detector, two_halves(), 0, samples=64, seed=3)[1]
    assert np.array_equal(first, second)


def test_render_keeps_the_size_and_dims_the_rest():
    image = Image.fromarray(two_halves().astype(np.uint8))
    segment_map, weights = lime_weights(red_detector, two_halves(), 0, samples=64)

    drawing = render_lime(image.resize((96, 96)), segment_map, weights, top=3)

    assert drawing.size == (96, 96)
    pixels = np.asarray(drawing, dtype=np.float32)
    assert pixels[:, 60:].mean() < np.asarray(image.resize((96, 96)))[:, 60:].mean()
