"""ml/vit.py: the small Vision Transformer backbone, and the scratch-only registry entries."""

import pytest

from ml.backbones import build_backbone
from ml.vit import WIDTH, NoPretrainedWeightsError, build_vit


def test_it_returns_the_tokens_as_a_grid():
    model = build_vit((32, 32, 3))

    assert model.output_shape == (None, 4, 4, WIDTH)  # 32 px / 8 px patches


def test_it_has_no_imagenet_weights():
    with pytest.raises(NoPretrainedWeightsError):
        build_vit((32, 32, 3), weights="imagenet")


def test_the_patch_size_must_divide_the_image():
    with pytest.raises(ValueError, match="multiple of patch"):
        build_vit((36, 36, 3))


@pytest.mark.parametrize("name", ["vit", "mobilenet_025_scratch"])
def test_the_registry_trains_it_from_scratch(name):
    with pytest.warns(UserWarning, match="training from scratch"):
        _, initialisation = build_backbone(name, (32, 32, 3))

    assert initialisation == "scratch"
