"""ml.explain: Grad-CAM through a nested backbone, LIME, and the drawing functions."""

import json
import shutil

import keras
import numpy as np
import pytest
from PIL import Image

from ml.explain import explain_image, gradcam_heatmap, load_keras_model, normalise_heatmap
from ml.explain.lime import lime_weights
from ml.explain.render import render_lime, render_overlay
from ml.serving import BundleError, load_classifier, load_image, model_input
from ml.serving.bundle import write_bundle_metadata
from ml.serving.cellcrop import cell_region
from tests.ml.conftest import FIXTURE_IMAGES, IMAGE_SIZE, run_command

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


def test_lime_finds_the_region_the_classifier_looks_at():
    image = _image_array(64)

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


def test_render_lime_returns_an_image_of_the_same_size():
    image = Image.open(PBC_IMAGE).convert("RGB")
    segment_map = np.arange(16).reshape(4, 4).repeat(16, 0).repeat(16, 1)
    weights = np.linspace(-1, 1, 16)

    drawing = render_lime(image, segment_map, weights, top=3)

    assert drawing.size == image.size
    assert drawing.mode == "RGB"


@pytest.mark.parametrize("method", ["gradcam", "lime"])
def test_the_command_writes_a_png(tiny_bundle, tmp_path, method, capsys):
    out = tmp_path / "explained.png"
    argv = ["--model", str(tiny_bundle), str(PBC_IMAGE), "--method", method, "--out", str(out)]

    code = run_command("explain", [*argv, "--samples", "60"])

    assert code == 0
    with Image.open(out) as drawing:
        assert drawing.format == "PNG"
        assert drawing.size == Image.open(PBC_IMAGE).size
    assert method in capsys.readouterr().out


def test_the_command_rejects_an_unknown_label(tiny_bundle, tmp_path, capsys):
    argv = ["--model", str(tiny_bundle), str(PBC_IMAGE), "--out", str(tmp_path / "x.png")]

    code = run_command("explain", [*argv, "--label", "smudge_cell"])

    assert code == 2
    assert "--label" in capsys.readouterr().err


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


def test_a_cell_crop_bundle_is_explained_on_the_cell_it_saw(tiny_bundle, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, copy)
    metadata = json.loads((copy / "bundle.json").read_text())
    metadata["input"]["resize"] = "cell_crop"
    write_bundle_metadata(copy, metadata, ["model.tflite", "model.keras"])
    image = load_image(FIXTURE_IMAGES / "neutrophil" / "kaggle_0_1095.jpeg")

    drawing, _ = explain_image(load_classifier(copy), image, "gradcam", None)

    assert drawing.size == cell_region(image).size
    assert drawing.size[0] == drawing.size[1] < image.size[0]
