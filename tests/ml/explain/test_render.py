"""ml.explain.render: a heatmap blended on the image, LIME's superpixels drawn."""

import numpy as np
from PIL import Image

from ml.explain.render import render_lime, render_overlay
from tests.ml.conftest import FIXTURE_IMAGES

PBC_IMAGE = FIXTURE_IMAGES / "monocyte" / "pbc_MO_100695.jpg"


def test_render_overlay_draws_on_an_image_of_the_same_size():
    image = Image.open(PBC_IMAGE).convert("RGB")
    heatmap = np.zeros((8, 8), dtype=np.float32)
    heatmap[2:4, 2:4] = 1.0

    overlay = render_overlay(image, heatmap)

    assert overlay.size == image.size
    assert overlay.mode == "RGB"
    assert np.asarray(overlay).tolist() != np.asarray(image).tolist()


def test_render_overlay_of_a_zero_map_keeps_the_image():
    image = Image.open(PBC_IMAGE).convert("RGB")

    overlay = render_overlay(image, np.zeros((8, 8), dtype=np.float32))

    assert np.abs(np.asarray(overlay, int) - np.asarray(image, int)).max() <= 1


def test_render_lime_returns_an_image_of_the_same_size():
    image = Image.open(PBC_IMAGE).convert("RGB")
    segment_map = np.arange(16).reshape(4, 4).repeat(16, 0).repeat(16, 1)
    weights = np.linspace(-1, 1, 16)

    drawing = render_lime(image, segment_map, weights, top=3)

    assert drawing.size == image.size
    assert drawing.mode == "RGB"
