"""ml.explain.gradcam: Grad-CAM through a nested backbone, on trained and shipped models."""

import shutil

import keras
import numpy as np
import pytest

from ml.explain.gradcam import gradcam_heatmap, load_keras_model, normalise_heatmap
from ml.serving import BundleError, load_image, model_input
from tests.ml.conftest import FIXTURE_IMAGES, IMAGE_SIZE

PBC_IMAGE = FIXTURE_IMAGES / "monocyte" / "pbc_MO_100695.jpg"
SIZE = 32


def _nested_model(seed: int, pooled_backbone: bool = False) -> keras.Model:
    """Transfer-learning shape: scaling, a nested backbone sub-model (8 x 8 map), a head."""
    keras.utils.set_random_seed(seed)
    inner_input = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(inner_input)
    x = keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(x)
    if pooled_backbone:  # like EfficientNet-Lite, whose backbone ends with its own pooling
        x = keras.layers.GlobalAveragePooling2D()(x)
    backbone = keras.Model(inner_input, x, name="backbone")
    inputs = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    x = backbone(x, training=False)
    if not pooled_backbone:
        x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    return keras.Model(inputs, keras.layers.Dense(4, name="logits")(x))


def _image_array(size: int = SIZE) -> np.ndarray:
    return model_input([load_image(PBC_IMAGE)], size)[0]


@pytest.mark.parametrize("pooled_backbone", [False, True])
def test_gradcam_has_the_shape_of_the_backbones_last_feature_map(pooled_backbone):
    model = _nested_model(seed=1, pooled_backbone=pooled_backbone)

    heatmap = gradcam_heatmap(model, _image_array())

    assert heatmap.shape == (8, 8)
    assert np.isfinite(heatmap).all()
    assert heatmap.min() >= 0.0
    assert heatmap.max() == pytest.approx(1.0)


def test_gradcam_works_on_a_trained_bundle_model(tiny_bundle):
    model = load_keras_model(tiny_bundle)

    heatmap = gradcam_heatmap(model, _image_array(IMAGE_SIZE))

    # MobileNet reduces 64 px by 32: a 2 x 2 map.
    assert heatmap.shape == (2, 2)
    assert np.isfinite(heatmap).all()
    assert 0.0 <= heatmap.min() <= heatmap.max() <= 1.0


def test_gradcam_changes_when_the_weights_are_randomised():
    image = _image_array()
    model = _nested_model(seed=1)
    randomised = _nested_model(seed=2)

    assert not np.allclose(gradcam_heatmap(model, image), gradcam_heatmap(randomised, image))


def test_gradcam_explains_the_class_it_is_asked_for():
    model = _nested_model(seed=3)
    image = _image_array()

    maps = [gradcam_heatmap(model, image, class_index=index) for index in range(4)]

    assert any(not np.allclose(maps[0], other) for other in maps[1:])


def test_gradcam_of_a_model_without_evidence_is_zero_not_nan():
    model = _nested_model(seed=1)
    dense = model.get_layer("logits")
    dense.set_weights([np.zeros_like(w) for w in dense.get_weights()])

    heatmap = gradcam_heatmap(model, _image_array())

    assert not np.isnan(heatmap).any()
    assert (heatmap == 0).all()


def test_normalise_heatmap_leaves_an_all_zero_map_at_zero():
    assert (normalise_heatmap(np.zeros((7, 7))) == 0).all()
    assert (normalise_heatmap(np.full((2, 2), np.nan)) == 0).all()


def test_it_rejects_a_corrupt_keras_model(tiny_bundle, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, copy)
    (copy / "model.keras").write_bytes(b"garbage")

    with pytest.raises(BundleError, match="corrupt"):
        load_keras_model(copy)


def test_the_shipped_model_looks_at_the_centred_cell(shipped_pbc8):
    model = load_keras_model(shipped_pbc8)
    image = model_input([load_image(PBC_IMAGE)], 224)[0]

    heatmap = gradcam_heatmap(model, image)

    border = np.ones(heatmap.shape, dtype=bool)
    border[1:-1, 1:-1] = False
    assert heatmap.shape == (7, 7)
    assert heatmap[2:5, 2:5].mean() > 2 * heatmap[border].mean()
