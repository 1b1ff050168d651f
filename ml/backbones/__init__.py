"""Registry of ImageNet backbones: name -> builder, input scaling and where its weights come from.

Every builder returns a Keras model without its classification top that takes the *scaled* image;
`scaling_layers` turns the model input (float32 RGB 0..255) into what the backbone expects, as
plain Keras layers so that model.keras loads without custom objects.

Weights: keras.applications downloads ImageNet weights into $KERAS_HOME/models (~/.keras/models).
This machine has no internet, so MobileNet alpha 0.25 is seeded into that cache from the project's
data (weights/mobilenet_2_5_224_tf_no_top.h5); `weights="imagenet"` then works offline and still
downloads as usual where the network is available. A backbone whose weights cannot be had trains
from scratch with a warning, and the bundle records "initialisation": "scratch".
"""

import os
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from ml import paths

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
OFFLINE_WEIGHTS = {"mobilenet_2_5_224_tf_no_top.h5": "mobilenet_2_5_224_tf_no_top.h5"}


@dataclass(frozen=True)
class Backbone:
    name: str
    build: Callable[[tuple[int, int, int], str | None], keras.Model]
    scaling: str  # minus_one_one | torch | caffe | raw (the backbone rescales by itself)


def keras_cache_dir() -> Path:
    """Where keras.utils.get_file keeps downloaded application weights."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(keras_home) / "models"


def seed_keras_cache(data_dir: Path | None = None) -> list[Path]:
    """Copy the project's offline ImageNet weight files into Keras' cache (once); return them."""
    seeded = []
    for cache_name, source_name in OFFLINE_WEIGHTS.items():
        source = paths.weights_dir(data_dir) / source_name
        target = keras_cache_dir() / cache_name
        if not target.is_file() and source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(".part")
            shutil.copyfile(source, temporary)
            temporary.replace(target)
        if target.is_file():
            seeded.append(target)
    return seeded


def _mobilenet_025(input_shape: tuple[int, int, int], weights: str | None) -> keras.Model:
    if weights == "imagenet" and input_shape[0] != 224:
        # Keras would fetch the weights trained at this resolution; only the 224 px file is at
        # hand offline. It is fully convolutional, so it loads at any size >= 32.
        cached = keras_cache_dir() / "mobilenet_2_5_224_tf_no_top.h5"
        if cached.is_file():
            weights = str(cached)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*input_shape.*")
        return keras.applications.MobileNet(
            input_shape=input_shape, alpha=0.25, include_top=False, weights=weights
        )


def _efficientnet_lite0(input_shape: tuple[int, int, int], weights: str | None) -> keras.Model:
    from ml.backbones.efficientnet_lite import build_efficientnet_lite0

    return build_efficientnet_lite0(input_shape, weights)


def _mobilenet_025_scratch(input_shape: tuple[int, int, int], weights: str | None) -> keras.Model:
    # The control for "what is ImageNet worth": same network, never pretrained, so the registry's
    # fallback records "scratch".
    if weights is not None:
        raise ValueError("mobilenet_025_scratch is the randomly initialised control")
    return _mobilenet_025(input_shape, None)


def _vit(input_shape: tuple[int, int, int], weights: str | None) -> keras.Model:
    from ml.vit import build_vit

    return build_vit(input_shape, weights)


def _application(constructor_name: str, **kwargs) -> Callable:
    def build(input_shape: tuple[int, int, int], weights: str | None) -> keras.Model:
        constructor = getattr(keras.applications, constructor_name)
        return constructor(input_shape=input_shape, include_top=False, weights=weights, **kwargs)

    return build


BACKBONES = {
    backbone.name: backbone
    for backbone in (
        Backbone("mobilenet_025", _mobilenet_025, "minus_one_one"),
        Backbone("mobilenet", _application("MobileNet", alpha=1.0), "minus_one_one"),
        Backbone("mobilenetv2", _application("MobileNetV2", alpha=1.0), "minus_one_one"),
        Backbone("efficientnetb0", _application("EfficientNetB0"), "raw"),
        Backbone("resnet50", _application("ResNet50"), "caffe"),
        Backbone("densenet121", _application("DenseNet121"), "torch"),
        Backbone("efficientnet_lite0", _efficientnet_lite0, "raw"),
        Backbone("mobilenet_025_scratch", _mobilenet_025_scratch, "minus_one_one"),
        Backbone("vit", _vit, "minus_one_one"),  # ml/vit.py: no ImageNet weights, scratch
    )
}


def get_backbone(name: str) -> Backbone:
    try:
        return BACKBONES[name]
    except KeyError:
        raise ValueError(f"unknown backbone {name!r}; choose one of {sorted(BACKBONES)}") from None


def build_backbone(name: str, input_shape: tuple[int, int, int]) -> tuple[keras.Model, str]:
    """(backbone model, "imagenet" | "scratch"); falls back to scratch with a warning."""
    backbone = get_backbone(name)
    seed_keras_cache()
    try:
        return backbone.build(input_shape, "imagenet"), "imagenet"
    except Exception as error:  # offline download failure, missing converted file, ...
        warnings.warn(
            f"backbone {name}: ImageNet weights unavailable ({error}); training from scratch",
            stacklevel=2,
        )
        return backbone.build(input_shape, None), "scratch"


def scaling_layers(scaling: str) -> list[keras.layers.Layer]:
    """Keras layers mapping float32 RGB 0..255 to the backbone's input range."""
    if scaling == "minus_one_one":
        return [keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="scale_minus_one_one")]
    if scaling == "torch":
        variance = [s * s for s in IMAGENET_STD]
        return [
            keras.layers.Rescaling(1 / 255.0, name="scale_unit"),
            keras.layers.Normalization(mean=IMAGENET_MEAN, variance=variance, name="imagenet_norm"),
        ]
    if scaling == "caffe":
        return [_caffe_layer()]
    if scaling == "raw":
        return []
    raise ValueError(f"unknown scaling {scaling!r}")


def _caffe_layer() -> keras.layers.Layer:
    """RGB -> BGR and mean subtraction as a fixed 1x1 convolution (no custom layer to register)."""
    layer = keras.layers.Conv2D(3, 1, trainable=False, name="caffe_bgr_mean")
    layer.build((None, None, None, 3))
    kernel = np.zeros((1, 1, 3, 3), dtype=np.float32)
    for rgb_channel, bgr_channel in ((0, 2), (1, 1), (2, 0)):
        kernel[0, 0, rgb_channel, bgr_channel] = 1.0
    layer.set_weights([kernel, -np.array(CAFFE_MEAN_BGR, dtype=np.float32)])
    return layer
