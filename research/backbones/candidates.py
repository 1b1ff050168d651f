"""The backbones the comparison trained beside MobileNet alpha 0.25, registered by name.

`register_candidates()` adds them to ml.training.backbones, so that `train(config)` builds any of
them. Each comes with the input scaling it was pretrained with, as plain Keras layers.
"""

import keras
import numpy as np

from ml.training.backbones import Backbone, minus_one_one, mobilenet_025, register_backbone

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def raw() -> list[keras.layers.Layer]:
    """The backbone rescales by itself."""
    return []


def torch_scaling() -> list[keras.layers.Layer]:
    variance = [s * s for s in IMAGENET_STD]
    return [
        keras.layers.Rescaling(1 / 255.0, name="scale_unit"),
        keras.layers.Normalization(mean=IMAGENET_MEAN, variance=variance, name="imagenet_norm"),
    ]


def caffe_scaling() -> list[keras.layers.Layer]:
    """RGB -> BGR and mean subtraction as a fixed 1x1 convolution (no custom layer to register)."""
    layer = keras.layers.Conv2D(3, 1, trainable=False, name="caffe_bgr_mean")
    layer.build((None, None, None, 3))
    kernel = np.zeros((1, 1, 3, 3), dtype=np.float32)
    for rgb_channel, bgr_channel in ((0, 2), (1, 1), (2, 0)):
        kernel[0, 0, rgb_channel, bgr_channel] = 1.0
    layer.set_weights([kernel, -np.array(CAFFE_MEAN_BGR, dtype=np.float32)])
    return [layer]


def _efficientnet_lite0(input_shape: tuple[int, int, int], weights: str | None) -> keras.Model:
    from research.backbones.efficientnet_lite import build_efficientnet_lite0

    return build_efficientnet_lite0(input_shape, weights)


def _mobilenet_025_scratch(input_shape: tuple[int, int, int], weights: str | None) -> keras.Model:
    # The control for "what is ImageNet worth": same network, never pretrained, so the registry's
    # fallback records "scratch".
    if weights is not None:
        raise ValueError("mobilenet_025_scratch is the randomly initialised control")
    return mobilenet_025(input_shape, None)


def _vit(input_shape: tuple[int, int, int], weights: str | None) -> keras.Model:
    from research.backbones.vit import build_vit

    return build_vit(input_shape, weights)


def _application(constructor_name: str, **kwargs):
    def build(input_shape: tuple[int, int, int], weights: str | None) -> keras.Model:
        constructor = getattr(keras.applications, constructor_name)
        return constructor(input_shape=input_shape, include_top=False, weights=weights, **kwargs)

    return build


CANDIDATES = (
    Backbone("mobilenet", _application("MobileNet", alpha=1.0), minus_one_one),
    Backbone("mobilenetv2", _application("MobileNetV2", alpha=1.0), minus_one_one),
    Backbone("efficientnetb0", _application("EfficientNetB0"), raw),
    Backbone("resnet50", _application("ResNet50"), caffe_scaling),
    Backbone("densenet121", _application("DenseNet121"), torch_scaling),
    Backbone("efficientnet_lite0", _efficientnet_lite0, raw),
    Backbone("mobilenet_025_scratch", _mobilenet_025_scratch, minus_one_one),
    Backbone("vit", _vit, minus_one_one),  # research/backbones/vit.py: no ImageNet weights
)


def register_candidates() -> None:
    for backbone in CANDIDATES:
        register_backbone(backbone)
