"""The classifier: scaling layers + ImageNet backbone + a small head that outputs logits.

The model takes float32 RGB 0..255 at size x size (preprocessing is inside, so that Keras, TFLite
and serving agree) and returns LOGITS: serving divides them by the bundle's temperature and applies
softmax. The backbone always runs with training=False, so its BatchNorm layers stay in inference
mode during fine-tuning (their statistics would be ruined by small batches).
"""

import keras
import numpy as np

from ml.serving import test_time_views
from ml.training.backbones import build_backbone, get_backbone

INPUT_NAME = "image"
BACKBONE_LAYER_NAME = "backbone"
SCRATCH_BATCH_NORM_MOMENTUM = 0.9


def build_model(
    backbone_name: str, num_classes: int, image_size: int, dropout: float = 0.2
) -> tuple[keras.Model, str]:
    """(model, initialisation) with the backbone frozen, ready for the head-only stage."""
    input_shape = (image_size, image_size, 3)
    backbone, initialisation = build_backbone(backbone_name, input_shape)
    if initialisation == "scratch":
        for layer in backbone.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                # Its statistics are learnt from nothing in a few hundred steps: with Keras'
                # 0.99 the moving averages lag so far that evaluation saw one class only.
                layer.momentum = SCRATCH_BATCH_NORM_MOMENTUM
    backbone.name = BACKBONE_LAYER_NAME
    backbone.trainable = False
    inputs = keras.Input(shape=input_shape, dtype="float32", name=INPUT_NAME)
    x = inputs
    for layer in get_backbone(backbone_name).scaling():
        x = layer(x)
    # Pretrained BatchNorm statistics are kept (inference mode). A randomly initialised backbone
    # has none worth keeping: with them frozen its signal vanishes and it stays at chance, so it
    # runs in the model's mode and learns them (unfreeze_backbone(freeze_batch_norm=False)).
    x = backbone(x, training=False if initialisation == "imagenet" else None)
    if len(x.shape) == 4:  # some backbones (efficientnet_lite0) pool by themselves
        x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, name="logits")(x)
    model = keras.Model(inputs, outputs, name=f"hematovision_{backbone_name}")
    return model, initialisation


def unfreeze_backbone(
    model: keras.Model, freeze_batch_norm: bool = True, last_layers: int = 0
) -> None:
    """Make the backbone trainable; its BatchNorm layers stay frozen (inference mode) unless
    freeze_batch_norm is False (a backbone trained from scratch). With `last_layers`, only that
    many of its last layers move (a cheap adaptation: the early features stay as trained)."""
    backbone = model.get_layer(BACKBONE_LAYER_NAME)
    backbone.trainable = True
    frozen = len(backbone.layers) - last_layers if last_layers > 0 else 0
    for index, layer in enumerate(backbone.layers):
        if index < frozen:
            layer.trainable = False
        elif isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = not freeze_batch_norm


def compile_model(
    model: keras.Model,
    learning_rate,
    weight_decay: float = 1e-5,
    clipnorm: float | None = None,
    loss=None,
) -> None:
    """AdamW and, unless `loss` is given, the cross-entropy on logits."""
    optimizer = keras.optimizers.AdamW(
        learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm
    )
    model.compile(
        optimizer=optimizer,
        loss=loss or keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )


def predict_logits(
    model: keras.Model, images: np.ndarray, tta: str = test_time_views.NONE, batch_size: int = 128
) -> np.ndarray:
    """Logits (n, classes) of uint8/float images, averaged over the views of `tta` as serving
    does."""
    outputs = test_time_views.run_in_chunks(
        lambda batch: model.predict_on_batch(batch.astype("float32")), images, tta, batch_size
    )
    num_classes = model.output_shape[-1]
    return np.concatenate(outputs) if outputs else np.zeros((0, num_classes), np.float32)
