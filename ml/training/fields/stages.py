"""Training the detector in two stages, as the classifiers are trained:

    train_heads(model, config, train, validation)   # stage 1: backbone frozen
    fine_tune(model, config, train, validation)     # stage 2: all but BatchNorm, cosine rate

Batches are random augmented crops of in-memory fields (FieldBatches); an "epoch" is
config.steps_per_epoch batches. The loss is CenterNet's: a penalty-reduced focal loss on the
heatmaps, normalised by the number of cells, plus L1 on size (weight 0.1) and offset at the
cells' peaks. Progress (epoch, losses, ETA) is printed one line per epoch.
"""

import math
import sys
import time
from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

from ml.training.fields.model import set_backbone_trainable
from ml.training.fields.targets import NUM_CLASSES, augment, make_targets

SIZE_WEIGHT = 0.1
FOCAL_ALPHA, FOCAL_BETA = 2.0, 4.0


@dataclass
class DetectorConfig:
    input_size: tuple[int, int] = (320, 240)  # (width, height) of the shipped model's input
    crop_size: tuple[int, int] = (224, 176)  # training crops (width, height), multiples of 16
    batch_size: int = 16
    steps_per_epoch: int = 50
    head_epochs: int = 4
    fine_tune_epochs: int = 30
    head_learning_rate: float = 2e-3
    fine_tune_learning_rate: float = 1e-3
    seed: int = 25
    backbone: str = "mobilenet_025"


def detection_loss(y_true, y_pred):
    """Per-field CenterNet loss; y_true holds heatmaps, size, offset and the peak mask."""
    heat_true = y_true[..., :NUM_CLASSES]
    heat = ops.clip(y_pred[..., :NUM_CLASSES], 1e-4, 1 - 1e-4)
    positive = ops.cast(heat_true >= 1.0, "float32")
    focal = (
        -positive * ops.log(heat) * (1 - heat) ** FOCAL_ALPHA
        - (1 - positive) * ops.log(1 - heat) * heat**FOCAL_ALPHA * (1 - heat_true) ** FOCAL_BETA
    )
    mask = y_true[..., 7:8]
    cells = ops.maximum(ops.sum(mask, axis=(1, 2, 3)), 1.0)
    size_l1 = ops.sum(ops.abs(y_pred[..., 3:5] - y_true[..., 3:5]) * mask, axis=(1, 2, 3))
    offset_l1 = ops.sum(ops.abs(y_pred[..., 5:7] - y_true[..., 5:7]) * mask, axis=(1, 2, 3))
    return (ops.sum(focal, axis=(1, 2, 3)) + SIZE_WEIGHT * size_l1 + offset_l1) / cells


class FieldBatches(keras.utils.PyDataset):
    """Random augmented crops of in-memory fields with their targets (training)."""

    def __init__(self, fields: list[tuple], config: DetectorConfig, steps: int):
        super().__init__()
        self.fields, self.config, self.steps = fields, config, steps
        self.rng = np.random.default_rng(config.seed)

    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, index: int):
        crop_w, crop_h = self.config.crop_size
        images, targets = [], []
        for choice in self.rng.integers(len(self.fields), size=self.config.batch_size):
            pixels, boxes, classes = augment(self.rng, self.fields[choice], (crop_w, crop_h))
            images.append(pixels)
            targets.append(make_targets(boxes, classes, (crop_h, crop_w)))
        return np.stack(images).astype(np.float32), np.stack(targets)


def validation_arrays(fields: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
    """Whole validation fields (no augmentation) and their targets."""
    images = np.stack([pixels for pixels, _, _ in fields]).astype(np.float32)
    shape = images.shape[1:3]
    targets = np.stack([make_targets(boxes, classes, shape) for _, boxes, classes in fields])
    return images, targets


class Progress(keras.callbacks.Callback):
    """One line per epoch: stage, epoch, loss, validation loss, elapsed and ETA."""

    def __init__(self, stage: str, total_epochs: int):
        super().__init__()
        self.stage, self.total = stage, total_epochs

    def on_train_begin(self, logs=None):
        self.start = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        elapsed = time.monotonic() - self.start
        eta = elapsed / (epoch + 1) * (self.total - epoch - 1)
        print(
            f"{self.stage} epoch {epoch + 1}/{self.total} loss {logs.get('loss', math.nan):.4f}"
            f" val_loss {logs.get('val_loss', math.nan):.4f} elapsed {elapsed / 60:.1f} min"
            f" ETA {eta / 60:.1f} min",
            flush=True,
        )
        sys.stdout.flush()


def run_stage(model, config, train, validation, epochs, optimizer, stage) -> dict:
    model.compile(optimizer=optimizer, loss=detection_loss)
    batches = FieldBatches(train, config, config.steps_per_epoch)
    history = model.fit(
        batches,
        validation_data=validation,
        epochs=epochs,
        verbose=0,
        callbacks=[Progress(stage, epochs)],
    )
    return history.history


def train_heads(model, config: DetectorConfig, train, validation) -> dict:
    set_backbone_trainable(model, False)
    optimizer = keras.optimizers.Adam(config.head_learning_rate)
    return run_stage(model, config, train, validation, config.head_epochs, optimizer, "heads")


def fine_tune(model, config: DetectorConfig, train, validation) -> dict:
    set_backbone_trainable(model, True)
    steps = max(1, config.fine_tune_epochs * config.steps_per_epoch)
    schedule = keras.optimizers.schedules.CosineDecay(config.fine_tune_learning_rate, steps, 0.02)
    optimizer = keras.optimizers.Adam(schedule)
    return run_stage(
        model, config, train, validation, config.fine_tune_epochs, optimizer, "fine-tune"
    )


def fit_stages(model, config: DetectorConfig, train, validation) -> dict:
    """Both stages; the merged history (loss, val_loss per epoch, stage 1 first)."""
    keras.utils.set_random_seed(config.seed)
    first = train_heads(model, config, train, validation)
    second = fine_tune(model, config, train, validation)
    return {key: first.get(key, []) + second.get(key, []) for key in ("loss", "val_loss")}
