"""What a training run is: its config, and the split arrays it trains and is scored on.

`bundle_arrays(bundle)` gives back the very arrays a bundle was trained on (from its config.json),
for the commands that rescore or re-export a bundle (tta, export, appearance).
"""

import json
import random
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from ml.serving.preprocess import STRETCH
from ml.training import data
from ml.training.reencode import RESIZE_RANGE


@dataclass
class TrainConfig:
    dataset: str
    backbone: str
    out: str
    data: str
    name: str = ""
    image_size: int = 224
    resize: str = STRETCH  # how an image is framed to image_size (ml/serving/preprocess.py)
    epochs: int = 3  # stage 1: head only, backbone frozen
    fine_tune_epochs: int = 20  # stage 2 at most; early stopping on validation loss
    batch_size: int = 64
    learning_rate: float = 1e-3
    fine_tune_learning_rate: float = 3e-4
    weight_decay: float = 1e-5
    dropout: float = 0.2
    patience: int = 4
    warmup_epochs: int = 0  # linear warm-up at the start of fine-tuning
    clipnorm: float | None = None  # gradient-norm clipping (kaggle4 collapsed without it)
    seed: int = 1
    limit_per_class: int = 0
    fine_tune_last_layers: int = 0  # 0: the whole backbone moves in stage 2
    extra_data: list[str] = field(default_factory=list)
    labels: list[str] | None = None
    split_csv: str | None = None
    augment: dict = field(default_factory=dict)
    consistency: float = (
        0.0  # weight of the re-encoding consistency loss (ml/training/consistency.py)
    )
    consistency_scales: list[float] = field(default_factory=lambda: list(RESIZE_RANGE))
    init_from: str | None = None  # a bundle whose weights start the run (same labels)
    refit_from: str | None = None  # train on train + val; calibration and views from this bundle


def limit_items(items: list, limit: int, seed: int) -> list:
    """At most `limit` items per class (a seeded choice); all of them when limit is 0."""
    if not limit:
        return items
    rng = random.Random(seed)
    shuffled = items[:]
    rng.shuffle(shuffled)
    counts: dict[int, int] = {}
    kept = []
    for path, label in shuffled:
        if counts.get(label, 0) < limit:
            counts[label] = counts.get(label, 0) + 1
            kept.append((path, label))
    return sorted(kept)


def load_split_items(config: TrainConfig) -> data.DatasetSplits:
    """The config's splits after --limit-per-class; extra data joins the train split only."""
    splits = data.load_splits(
        config.dataset,
        Path(config.data),
        config.labels,
        Path(config.split_csv) if config.split_csv else None,
    )
    for split in data.SPLITS:
        splits.items[split] = limit_items(splits.items[split], config.limit_per_class, config.seed)
    for source in config.extra_data:
        extra = data.extra_training_items(source, Path(config.data), splits.labels)
        splits.items["train"] += limit_items(extra, config.limit_per_class, config.seed)
    return splits


def split_arrays(config: TrainConfig, splits: data.DatasetSplits, split: str):
    """(uint8 images, targets) of one split, decoded through the cache."""
    images = data.cached_images(
        f"{config.dataset}_{split}", splits.paths(split), config.image_size, config.resize
    )
    return images, splits.targets(split)


def load_arrays(
    config: TrainConfig, splits: data.DatasetSplits | None = None
) -> tuple[data.DatasetSplits, dict]:
    """Splits plus {split: (uint8 images, targets)}; a refit's train arrays include val.

    `splits` (from load_split_items) lets a caller check the labels before minutes of decoding.
    """
    splits = splits or load_split_items(config)
    arrays = {split: split_arrays(config, splits, split) for split in data.SPLITS}
    if config.refit_from:
        arrays["train"] = tuple(
            np.concatenate(pair) for pair in zip(arrays["train"], arrays["val"], strict=True)
        )
    return splits, arrays


def config_from_bundle(bundle_dir: Path, data_dir: Path | None = None) -> TrainConfig:
    """The TrainConfig a bundle was trained with (config.json), optionally on another data dir."""
    saved = json.loads((Path(bundle_dir) / "config.json").read_text(encoding="utf-8"))
    known = {f.name for f in fields(TrainConfig)}
    config = TrainConfig(**{key: value for key, value in saved.items() if key in known})
    if data_dir is not None:
        config.data = str(data_dir)
    return config


def bundle_arrays(
    bundle_dir: Path, data_dir: Path | None = None
) -> tuple[data.DatasetSplits, dict]:
    """The splits and decoded arrays a bundle was trained on (optionally from another data dir).

    Raises ImageDecodeError, OSError or ValueError when the data is missing or unreadable.
    """
    return load_arrays(config_from_bundle(bundle_dir, data_dir))
