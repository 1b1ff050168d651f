"""ml.training.seed_bench: the seed's Keras way, timed (TensorFlow: slow)."""

import pytest

from ml.serving import resolve_bundle
from ml.training.bench import sample_images
from tests.ml.conftest import FIXTURE_IMAGES

pytestmark = pytest.mark.slow


def test_it_times_keras_predict_per_image():
    from ml.training.seed_bench import seed_way_ms

    keras_model = resolve_bundle("pbc8") / "model.keras"
    milliseconds = seed_way_ms(keras_model, sample_images(FIXTURE_IMAGES, 4), 224, runs=3)
    assert milliseconds > 0
