"""ml.explain.lime: the superpixels a classifier depends on."""

import numpy as np

from ml.explain.lime import lime_weights
from ml.serving import load_image, model_input
from tests.ml.conftest import FIXTURE_IMAGES

PBC_IMAGE = FIXTURE_IMAGES / "monocyte" / "pbc_MO_100695.jpg"


def test_lime_finds_the_region_the_classifier_looks_at():
    image = model_input([load_image(PBC_IMAGE)], 64)[0]

    def looks_at_top_left(batch):
        # "Probability" of class 0 is how unchanged the top-left quarter is.
        change = np.abs(batch[:, :32, :32] - image[:32, :32]).mean(axis=(1, 2, 3))
        score = 1.0 - change / 255.0
        return np.stack([score, 1.0 - score], axis=1)

    segment_map, weights = lime_weights(looks_at_top_left, image, class_index=0, samples=200)

    best = int(np.argmax(weights))
    rows, columns = np.nonzero(segment_map == best)
    assert segment_map.shape == (64, 64)
    assert rows.mean() < 32 and columns.mean() < 32
