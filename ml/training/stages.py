"""The two training stages, as keras-io's EfficientNet fine-tuning example runs them.

    train_head(model, config, data)   # stage 1: the backbone frozen, only the head learns
    fine_tune(model, config, data)    # stage 2: the backbone too (BatchNorm frozen), cosine rate,
                                      # early stopping on validation loss, best weights kept

`fit_stages` runs both and merges their histories. Images are uint8 arrays in memory, augmented on
the fly by tf.data. A refit (config.refit_from) has no held-out validation split: it runs every
epoch and keeps the last weights.
"""

import random
import sys
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from ml.training.augment import AugmentConfig, augment_batch
from ml.training.consistency import paired_batch, paired_loss, self_paired_batch
from ml.training.model import compile_model, unfreeze_backbone
from ml.training.train_data import TrainConfig


def set_seeds(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)


def class_weights(targets: np.ndarray, num_classes: int) -> dict[int, float]:
    """n / (classes * n_c): every class weighs the same in the loss in total."""
    counts = np.bincount(targets, minlength=num_classes).astype(np.float64)
    weights = len(targets) / (num_classes * np.maximum(counts, 1))
    return {index: float(weight) for index, weight in enumerate(weights)}


def make_dataset(
    images: np.ndarray,
    targets: np.ndarray,
    batch_size: int,
    augment_config=None,
    paired_scales: tuple[float, float] | None = None,
):
    """tf.data over in-memory uint8 images: shuffled and augmented when augment_config is given.
    With `paired_scales`, each batch also holds every image's re-encoded copy (resizes by a
    factor in that range), or, without augmentation, the image itself again."""
    size = images.shape[1]

    def gather(indices):
        indices = np.sort(indices)  # sorted reads are faster; batches are shuffled anyway
        return images[indices], targets[indices]

    def load(indices):
        batch, labels = tf.numpy_function(gather, [indices], [tf.uint8, tf.int64])
        batch.set_shape((None, size, size, 3))
        labels.set_shape((None,))
        return batch, labels

    dataset = tf.data.Dataset.range(len(images))
    if augment_config is not None:
        dataset = dataset.shuffle(len(images), reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size).map(load)
    if augment_config is not None:
        dataset = dataset.map(lambda x, y: (augment_batch(x, augment_config), y))
    else:
        dataset = dataset.map(lambda x, y: (tf.cast(x, tf.float32), y))
    if paired_scales is not None and augment_config is not None:
        dataset = dataset.map(lambda x, y: paired_batch(x, y, paired_scales))
    elif paired_scales is not None:
        dataset = dataset.map(self_paired_batch)
    return dataset.prefetch(2)


@dataclass
class StageData:
    """What both stages fit on: the tf.data pipelines, the class weights and the loss."""

    train: object
    validation: object | None
    train_size: int
    class_weight: dict[int, float]
    loss: object | None  # None: cross-entropy; else the consistency loss on paired batches
    verbose: int


def stage_data(config: TrainConfig, arrays: dict, num_classes: int) -> StageData:
    """The pipelines of config's augmentation and, with consistency training, pairs of each image
    and a re-encoding resized within config.consistency_scales."""
    scales = tuple(config.consistency_scales) if config.consistency > 0 else None
    train_images, train_targets = arrays["train"]
    augment_config = AugmentConfig(**config.augment)
    train = make_dataset(train_images, train_targets, config.batch_size, augment_config, scales)
    validation = None
    if not config.refit_from:
        validation = make_dataset(*arrays["val"], config.batch_size, paired_scales=scales)
    return StageData(
        train=train,
        validation=validation,
        train_size=len(train_images),
        class_weight=class_weights(train_targets, num_classes),
        loss=paired_loss(config.consistency) if scales else None,
        verbose=1 if sys.stdout.isatty() else 2,
    )


def train_head(model, config: TrainConfig, data: StageData, callbacks=()) -> dict:
    """Stage 1: config.epochs epochs of the head alone (the backbone is frozen)."""
    compile_model(model, config.learning_rate, config.weight_decay, config.clipnorm, data.loss)
    return model.fit(
        data.train,
        validation_data=data.validation,
        epochs=config.epochs,
        class_weight=data.class_weight,
        callbacks=list(callbacks),
        verbose=data.verbose,
    ).history


def cosine_schedule(config: TrainConfig, train_size: int):
    """The fine-tuning learning rate: cosine decay over every step, after an optional warm-up."""
    steps = config.fine_tune_epochs * int(np.ceil(train_size / config.batch_size))
    warmup = config.warmup_epochs * steps // config.fine_tune_epochs
    if not warmup:
        return keras.optimizers.schedules.CosineDecay(config.fine_tune_learning_rate, steps)
    return keras.optimizers.schedules.CosineDecay(
        0.0, steps - warmup, warmup_target=config.fine_tune_learning_rate, warmup_steps=warmup
    )


def fine_tune(
    model,
    config: TrainConfig,
    data: StageData,
    freeze_batch_norm: bool = True,
    callbacks=(),
    early_stopping: bool = True,
) -> dict:
    """Stage 2: at most config.fine_tune_epochs epochs of the whole model; with a validation
    split and `early_stopping`, stops after config.patience epochs without progress and keeps
    the best weights (without, every epoch runs and the last weights stay)."""
    unfreeze_backbone(model, freeze_batch_norm, config.fine_tune_last_layers)
    schedule = cosine_schedule(config, data.train_size)
    compile_model(model, schedule, config.weight_decay, config.clipnorm, data.loss)
    stoppers = list(callbacks)
    if data.validation is not None and early_stopping:
        stoppers.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=config.patience, restore_best_weights=True
            )
        )
    return model.fit(
        data.train,
        validation_data=data.validation,
        epochs=config.fine_tune_epochs,
        class_weight=data.class_weight,
        callbacks=stoppers,
        verbose=data.verbose,
    ).history


def fit_stages(
    model,
    config: TrainConfig,
    arrays: dict,
    num_classes: int,
    freeze_batch_norm: bool = True,
    callbacks=(),
    early_stopping: bool = True,
) -> dict:
    """Run both stages; returns the merged history with `stage_boundary` and `best_epoch`.
    `callbacks` (Keras callbacks, such as a progress writer) watch both stages."""
    data = stage_data(config, arrays, num_classes)
    merged: dict = {}
    if config.epochs > 0:
        merged = {
            key: list(values) for key, values in train_head(model, config, data, callbacks).items()
        }
    merged["stage_boundary"] = config.epochs
    if config.fine_tune_epochs > 0:
        stage = fine_tune(model, config, data, freeze_batch_norm, callbacks, early_stopping)
        for key, values in stage.items():
            merged.setdefault(key, []).extend(values)
    if data.loss is not None:  # saved with the plain loss, so that loading it needs nothing more
        compile_model(model, config.fine_tune_learning_rate, config.weight_decay)
    val_loss = merged.get("val_loss", [])
    epochs_run = len(merged.get("loss", []))
    restored = val_loss and early_stopping
    merged["best_epoch"] = int(np.argmin(val_loss)) + 1 if restored else epochs_run
    return merged
