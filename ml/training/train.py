"""Train a classifier and write its bundle (the stages themselves are in ml/training/stages.py).

    python -m ml train --dataset pbc --backbone mobilenet_025 --out runs/pbc8

Stage 1 trains the head on a frozen backbone; stage 2 fine-tunes the backbone (BatchNorm frozen)
with a cosine learning rate and keeps the weights of the epoch with the lowest validation loss.
Images are decoded once into a uint8 cache and augmented on the fly. Validation picks the epoch,
the temperature and the "unidentified" threshold; the test split is scored once, at the end.

A refit (--refit-from BUNDLE) repeats a recipe that was chosen on validation on train + val, so
that the shipped model learns from all the labelled data: it runs every epoch (nothing is left to
stop on), and keeps BUNDLE's temperature, threshold and test-time views, which were fitted on
held-out images. Its validation figures are then on seen images and say so.
"""

import time
from dataclasses import asdict
from pathlib import Path

import keras

from ml.serving import read_bundle_metadata, resolve_bundle
from ml.training import data
from ml.training.bundle_writer import write_training_bundle
from ml.training.model import BACKBONE_LAYER_NAME, build_model, predict_logits
from ml.training.stages import fit_stages, set_seeds
from ml.training.train_data import TrainConfig, load_arrays, load_split_items

CARRIED_BY_REFIT = ("temperature", "confidence_threshold", "validation_confidence")


class TrainingInputError(ValueError):
    """A bundle named by --init-from or --refit-from does not fit this run."""


def warm_start_model(config: TrainConfig, labels: list[str]):
    """(model, initialisation) of the bundle named by config.init_from, at config.image_size.

    For retraining a shipped model with a new recipe in a fraction of the time: its weights
    start the run, and the report keeps the bundle's own initialisation (e.g. "imagenet").
    """
    bundle_dir = resolve_bundle(config.init_from)
    metadata = read_bundle_metadata(bundle_dir, verify_files=("model.keras",))
    if metadata["labels"] != labels or metadata["backbone"] != config.backbone:
        raise TrainingInputError(
            f"--init-from {config.init_from}: its labels {metadata['labels']} and backbone"
            f" {metadata['backbone']!r} must match {labels} and {config.backbone!r}"
        )
    if int(metadata["input"]["size"]) != config.image_size:
        raise TrainingInputError(
            f"--init-from {config.init_from}: input size must be {config.image_size}"
        )
    model = keras.models.load_model(bundle_dir / "model.keras")
    model.get_layer(BACKBONE_LAYER_NAME).trainable = False  # the head-only stage, if any
    return model, metadata["initialisation"]


def carried_calibration(config: TrainConfig, labels: list[str]) -> dict | None:
    """A refit's temperature, threshold, views and validation confidences, from the bundle
    whose recipe it repeats (fitted there on held-out validation images); None otherwise."""
    if not config.refit_from:
        return None
    bundle_dir = resolve_bundle(config.refit_from)
    metadata = read_bundle_metadata(bundle_dir)
    if metadata["labels"] != labels:
        raise TrainingInputError(
            f"--refit-from {config.refit_from}: its labels {metadata['labels']} must be {labels}"
        )
    carried = {key: metadata[key] for key in CARRIED_BY_REFIT}
    carried["test_time_augmentation"] = metadata.get("test_time_augmentation", "none")
    carried["from"] = {key: metadata[key] for key in ("name", "created", "split_hash")}
    return carried


def train(config: TrainConfig) -> Path:
    """Train, calibrate, evaluate and write the bundle into config.out; returns its path."""
    started = time.monotonic()
    set_seeds(config.seed)
    splits = load_split_items(config)
    # The bundles named by --refit-from and --init-from must fit these labels: checked before
    # the images are decoded.
    calibration = carried_calibration(config, splits.labels)
    if config.init_from:
        model, initialisation = warm_start_model(config, splits.labels)
    else:
        model, initialisation = build_model(
            config.backbone, len(splits.labels), config.image_size, config.dropout
        )
    splits, arrays = load_arrays(config, splits)
    counts = {split: len(arrays[split][1]) for split in data.SPLITS}
    print(f"{splits.description}: labels {splits.labels}, images {counts}", flush=True)
    fit_started = time.monotonic()
    pretrained = initialisation == "imagenet"
    history = fit_stages(model, config, arrays, len(splits.labels), freeze_batch_norm=pretrained)
    timing = {"fit_seconds": round(time.monotonic() - fit_started, 1)}
    tta = calibration["test_time_augmentation"] if calibration else "none"
    logits = {split: predict_logits(model, arrays[split][0], tta) for split in data.SPLITS}
    timing["total_seconds"] = round(time.monotonic() - started, 1)
    return write_training_bundle(
        Path(config.out),
        model=model,
        config=asdict(config),
        splits=splits,
        arrays=arrays,
        logits=logits,
        history=history,
        initialisation=initialisation,
        timing=timing,
        calibration=calibration,
    )
