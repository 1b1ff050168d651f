"""The cell detector: MobileNet features at strides 4, 8 and 16, merged top-down (a small FPN),
and CenterNet heads at stride 4.

    model = build_detector("mobilenet_025", input_size=(320, 240))
    model(batch)  # (n, h/4, w/4, 7): 3 class heatmaps (sigmoid), width and height in output
                  # cells, centre offset within the peak cell

The model takes float32 RGB 0..255 (its scaling layer is inside), like the classifiers. The
backbone's BatchNorm layers always run in inference mode (their ImageNet statistics are kept).
"""

import keras

from ml.training.backbones import build_backbone, get_backbone
from ml.training.fields.targets import NUM_CLASSES

# MobileNet's pointwise-conv outputs at strides 4, 8 and 16.
FEATURE_LAYERS = ("conv_pw_3_relu", "conv_pw_5_relu", "conv_pw_11_relu")
NECK_CHANNELS = 48
HEATMAP_PRIOR_BIAS = -2.19  # sigmoid 0.1: CenterNet's start, so early focal loss is not huge


def backbone_features(name: str, input_shape: tuple[int, int, int]) -> tuple[keras.Model, str]:
    """A model from the scaled image to the three feature maps, and its initialisation."""
    backbone, initialisation = build_backbone(name, input_shape)
    outputs = [backbone.get_layer(layer).output for layer in FEATURE_LAYERS]
    return keras.Model(backbone.input, outputs, name="backbone"), initialisation


def separable_block(x, name: str):
    x = keras.layers.SeparableConv2D(NECK_CHANNELS, 3, padding="same", use_bias=False, name=name)(x)
    x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def top_down(features):
    """Merge stride 16 into 8 into 4 (upsample, add a 1x1 projection, separable conv)."""
    x = keras.layers.Conv2D(NECK_CHANNELS, 1, name="lateral_16")(features[2])
    for index, stride in ((1, 8), (0, 4)):
        x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"up_{stride}")(x)
        lateral = keras.layers.Conv2D(NECK_CHANNELS, 1, name=f"lateral_{stride}")(features[index])
        x = keras.layers.Add(name=f"merge_{stride}")([x, lateral])
        x = separable_block(x, f"smooth_{stride}")
    return x


def heads(x):
    heat = separable_block(x, "heat_conv")
    heat = keras.layers.Conv2D(
        NUM_CLASSES,
        1,
        activation="sigmoid",
        name="heatmaps",
        bias_initializer=keras.initializers.Constant(HEATMAP_PRIOR_BIAS),
    )(heat)
    box = separable_block(x, "box_conv")
    size = keras.layers.Conv2D(2, 1, name="size")(box)
    offset = keras.layers.Conv2D(2, 1, activation="sigmoid", name="offset")(box)
    return keras.layers.Concatenate(name="detections")([heat, size, offset])


def build_detector(
    backbone_name: str, input_size: tuple[int, int] | None = None
) -> tuple[keras.Model, str]:
    """(detector for (width, height) inputs, "imagenet" | "scratch"); input_size None takes any
    size (multiples of 16): training runs on crops, the exported model on whole fields."""
    width, height = input_size or (None, None)
    inputs = keras.Input((height, width, 3), name="image")
    x = inputs
    for layer in get_backbone(backbone_name).scaling():
        x = layer(x)
    features_model, initialisation = backbone_features(backbone_name, (height, width, 3))
    features = features_model(x, training=False)
    return keras.Model(inputs, heads(top_down(features)), name="cell_detector"), initialisation


def set_backbone_trainable(model: keras.Model, trainable: bool) -> None:
    """Freeze or unfreeze the backbone; its BatchNorm layers stay frozen either way."""
    backbone = model.get_layer("backbone")
    backbone.trainable = trainable
    for layer in backbone.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
