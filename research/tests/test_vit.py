"""research/backbones/vit.py (the small Vision Transformer) and how backbones trained from scratch
are set up."""

import warnings

import pytest
from keras.layers import BatchNormalization

from ml.training.backbones import build_backbone
from ml.training.model import BACKBONE_LAYER_NAME, build_model, unfreeze_backbone
from research.backbones.vit import WIDTH, NoPretrainedWeightsError, build_vit


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


@pytest.mark.parametrize("name", ["mobilenet_025", "mobilenet_025_scratch"])
def test_only_a_pretrained_backbone_keeps_its_batch_norm_frozen(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the scratch fallback warns
        model, initialisation = build_model(name, 4, 32)

    unfreeze_backbone(model, freeze_batch_norm=initialisation == "imagenet")

    backbone = model.get_layer(BACKBONE_LAYER_NAME)
    norms = [layer for layer in backbone.layers if isinstance(layer, BatchNormalization)]
    assert norms
    assert all(layer.trainable == (initialisation == "scratch") for layer in norms)
