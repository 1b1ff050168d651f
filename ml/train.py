"""Train a classifier and write its bundle.

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

import argparse
import json
import os
import random
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ml import data, paths
from ml.preprocess import RESIZE_RULES, STRETCH
from ml.train_data import TrainConfig, load_arrays, load_split_items

DEFAULT_BACKBONE = "mobilenet_025"


def set_seeds(seed: int) -> None:
    import keras

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
    import tensorflow as tf

    from ml.augment import augment_batch
    from ml.consistency import paired_batch, self_paired_batch

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


def fit_stages(
    model, config: TrainConfig, arrays: dict, num_classes: int, freeze_batch_norm: bool = True
) -> dict:
    """Run both stages; returns the merged history with `stage_boundary` and `best_epoch`.

    A refit has no held-out validation split: it runs every epoch and keeps the last weights.
    """
    import keras

    from ml.augment import AugmentConfig
    from ml.consistency import paired_loss
    from ml.model import compile_model, unfreeze_backbone

    augment_config = AugmentConfig(**config.augment)
    # Consistency training pairs each image with a re-encoding resized within these scales.
    scales = tuple(config.consistency_scales) if config.consistency > 0 else None
    loss = paired_loss(config.consistency) if scales else None
    train_images, train_targets = arrays["train"]
    train = make_dataset(train_images, train_targets, config.batch_size, augment_config, scales)
    validation = (
        None
        if config.refit_from
        else make_dataset(*arrays["val"], config.batch_size, paired_scales=scales)
    )
    weights = class_weights(train_targets, num_classes)
    verbose = 1 if sys.stdout.isatty() else 2
    merged: dict = {}
    if config.epochs > 0:
        compile_model(model, config.learning_rate, config.weight_decay, config.clipnorm, loss)
        history = model.fit(
            train,
            validation_data=validation,
            epochs=config.epochs,
            class_weight=weights,
            verbose=verbose,
        ).history
        merged = {key: list(values) for key, values in history.items()}
    merged["stage_boundary"] = config.epochs
    if config.fine_tune_epochs > 0:
        unfreeze_backbone(model, freeze_batch_norm)
        steps = config.fine_tune_epochs * int(np.ceil(len(train_images) / config.batch_size))
        warmup = config.warmup_epochs * steps // config.fine_tune_epochs
        if warmup:
            schedule = keras.optimizers.schedules.CosineDecay(
                0.0,
                steps - warmup,
                warmup_target=config.fine_tune_learning_rate,
                warmup_steps=warmup,
            )
        else:
            schedule = keras.optimizers.schedules.CosineDecay(config.fine_tune_learning_rate, steps)
        compile_model(model, schedule, config.weight_decay, config.clipnorm, loss)
        stoppers = (
            []
            if validation is None
            else [
                keras.callbacks.EarlyStopping(
                    monitor="val_loss", patience=config.patience, restore_best_weights=True
                )
            ]
        )
        history = model.fit(
            train,
            validation_data=validation,
            epochs=config.fine_tune_epochs,
            class_weight=weights,
            callbacks=stoppers,
            verbose=verbose,
        ).history
        for key, values in history.items():
            merged.setdefault(key, []).extend(values)
    if scales:  # saved with the plain loss, so that loading it needs nothing from this run
        compile_model(model, config.fine_tune_learning_rate, config.weight_decay)
    val_loss = merged.get("val_loss", [])
    epochs_run = len(merged.get("loss", []))
    merged["best_epoch"] = int(np.argmin(val_loss)) + 1 if val_loss else epochs_run
    return merged


def warm_start_model(config: TrainConfig, labels: list[str]):
    """(model, initialisation) of the bundle named by config.init_from, at config.image_size.

    For retraining a shipped model with a new recipe in a fraction of the time: its weights
    start the run, and the report keeps the bundle's own initialisation (e.g. "imagenet").
    """
    import keras

    from ml.bundle import read_bundle_metadata, resolve_bundle
    from ml.model import BACKBONE_LAYER_NAME

    bundle_dir = resolve_bundle(config.init_from)
    metadata = read_bundle_metadata(bundle_dir, verify_files=("model.keras",))
    if metadata["labels"] != labels or metadata["backbone"] != config.backbone:
        raise SystemExit(
            f"--init-from {config.init_from}: its labels {metadata['labels']} and backbone"
            f" {metadata['backbone']!r} must match {labels} and {config.backbone!r}"
        )
    if int(metadata["input"]["size"]) != config.image_size:
        raise SystemExit(f"--init-from {config.init_from}: input size must be {config.image_size}")
    model = keras.models.load_model(bundle_dir / "model.keras")
    model.get_layer(BACKBONE_LAYER_NAME).trainable = False  # the head-only stage, if any
    return model, metadata["initialisation"]


CARRIED_BY_REFIT = ("temperature", "confidence_threshold", "validation_confidence")


def carried_calibration(config: TrainConfig, labels: list[str]) -> dict | None:
    """A refit's temperature, threshold, views and validation confidences, from the bundle
    whose recipe it repeats (fitted there on held-out validation images); None otherwise."""
    from ml.bundle import read_bundle_metadata, resolve_bundle

    if not config.refit_from:
        return None
    bundle_dir = resolve_bundle(config.refit_from)
    metadata = read_bundle_metadata(bundle_dir)
    if metadata["labels"] != labels:
        raise SystemExit(
            f"--refit-from {config.refit_from}: its labels {metadata['labels']} must be {labels}"
        )
    carried = {key: metadata[key] for key in CARRIED_BY_REFIT}
    carried["test_time_augmentation"] = metadata.get("test_time_augmentation", "none")
    carried["from"] = {key: metadata[key] for key in ("name", "created", "split_hash")}
    return carried


def train(config: TrainConfig) -> Path:
    """Train, calibrate, evaluate and write the bundle into config.out; returns its path."""
    from ml.bundle_writer import write_training_bundle
    from ml.model import build_model, predict_logits

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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ml.backbones import BACKBONES

    parser.add_argument("--dataset", required=True, choices=("pbc", "kaggle", "folder"))
    parser.add_argument("--backbone", default=DEFAULT_BACKBONE, choices=sorted(BACKBONES))
    parser.add_argument("--data", type=Path, default=None, help="data dir (or the folder tree)")
    parser.add_argument("--out", type=Path, required=True, help="bundle directory to write")
    parser.add_argument("--name", default="", help="bundle name (default: the --out folder name)")
    parser.add_argument("--epochs", type=int, default=3, help="head-only epochs (frozen backbone)")
    parser.add_argument("--fine-tune-epochs", type=int, default=20, help="0 skips fine-tuning")
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument(
        "--resize",
        default=STRETCH,
        choices=RESIZE_RULES,
        help="framing: stretch the whole image, or crop a square around the stained cell",
    )
    parser.add_argument(
        "--augment",
        type=json.loads,
        default={},
        help="augmentation options as JSON, e.g. '{\"jpeg_probability\": 0.5}' (ml/augment.py)",
    )
    parser.add_argument(
        "--consistency",
        type=float,
        default=0.0,
        help="weight of a loss that pulls each image's prediction towards that of a re-saved or "
        "resized copy (ml/consistency.py; AugMix uses 12); each batch then holds both copies",
    )
    parser.add_argument(
        "--consistency-scales",
        help="LOW,HIGH: the range of resize factors of the re-encoded copies (log-uniform; "
        "default 0.5,2.0, the range `robustness` scores)",
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--fine-tune-learning-rate", type=float, default=3e-4)
    parser.add_argument("--patience", type=int, default=4)
    parser.add_argument("--warmup-epochs", type=int, default=0, help="fine-tuning warm-up")
    parser.add_argument("--clipnorm", type=float, default=None, help="clip gradient norm")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit-per-class", type=int, default=0, help="for tiny runs; 0 = all")
    parser.add_argument(
        "--extra-data",
        action="append",
        default=[],
        help='more training images: "pbc" or "kaggle" (that train split, shared classes) or a '
        "class-folder tree",
    )
    parser.add_argument("--labels", help="comma-separated labels (folder dataset)")
    parser.add_argument("--split-csv", type=Path, help="split file (class,file,split)")
    parser.add_argument(
        "--init-from",
        help="start from this bundle's weights (same labels and backbone); e.g. --epochs 0",
    )
    parser.add_argument(
        "--refit-from",
        help="repeat a recipe chosen on validation on train + val: every epoch runs, and this "
        "bundle's temperature, threshold and test-time views are kept",
    )


def parse_scales(text: str | None) -> list[float]:
    """ "LOW,HIGH" -> [LOW, HIGH], with 0 < LOW <= HIGH (ValueError otherwise); None -> the
    resize range that `robustness` scores."""
    from ml.reencode import RESIZE_RANGE

    if text is None:
        return list(RESIZE_RANGE)
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        message = f"--consistency-scales {text!r}: expected LOW,HIGH, e.g. 0.5,1.0"
        raise ValueError(message) from None
    if not 0 < low <= high:
        raise ValueError(f"--consistency-scales {text!r}: need 0 < LOW <= HIGH")
    return [low, high]


def run(args: argparse.Namespace) -> int:
    data_dir = args.data or paths.default_data_dir()
    config = TrainConfig(
        dataset=args.dataset,
        backbone=args.backbone,
        out=str(args.out),
        data=str(Path(data_dir).resolve()),
        name=args.name or Path(args.out).name,
        image_size=args.image_size,
        resize=args.resize,
        epochs=args.epochs,
        fine_tune_epochs=args.fine_tune_epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        fine_tune_learning_rate=args.fine_tune_learning_rate,
        patience=args.patience,
        warmup_epochs=args.warmup_epochs,
        clipnorm=args.clipnorm,
        seed=args.seed,
        limit_per_class=args.limit_per_class,
        extra_data=list(args.extra_data),
        labels=args.labels.split(",") if args.labels else None,
        split_csv=str(args.split_csv) if args.split_csv else None,
        augment=args.augment,
        consistency=args.consistency,
        consistency_scales=parse_scales(args.consistency_scales),
        init_from=args.init_from,
        refit_from=args.refit_from,
    )
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from ml.augment import AugmentConfig
    from ml.bundle import resolve_bundle

    try:  # before minutes of decoding, not after
        AugmentConfig(**config.augment)
    except (TypeError, ValueError) as error:
        print(f"error: --augment: {error}", file=sys.stderr)
        return 2
    if config.consistency < 0:
        print("error: --consistency must be 0 (off) or more", file=sys.stderr)
        return 2
    for bundle in filter(None, (config.init_from, config.refit_from)):
        resolve_bundle(bundle)  # a BundleError before minutes of decoding
    bundle_dir = train(config)
    print(f"bundle written to {bundle_dir}")
    return 0
