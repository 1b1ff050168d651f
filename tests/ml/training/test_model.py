"""ml.training.model: the classifier's logits, averaged over test-time views as serving does."""

import keras
import numpy as np

from ml.serving.test_time_views import tta_views
from ml.training.model import predict_logits


def _position_dependent_model() -> keras.Model:
    """Untrained, seeded weights; a dense layer on the flat image sees every rotation as a new
    input, so its logits differ from view to view."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    outputs = keras.layers.Dense(3)(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, outputs)


def test_predict_logits_averages_the_views_as_serving_does():
    model = _position_dependent_model()
    images = np.random.default_rng(3).integers(0, 256, (5, 8, 8, 3), dtype=np.uint8)

    averaged = predict_logits(model, images, "rot4", batch_size=8)

    each_view = model.predict_on_batch(tta_views(images, "rot4").astype(np.float32))
    assert np.allclose(averaged, each_view.reshape(4, 5, -1).mean(axis=0), atol=1e-4)
    assert not np.allclose(averaged, predict_logits(model, images), atol=1e-3)
