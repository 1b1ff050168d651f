"""`train_detector(out_dir, config)`: load the shared fields, train both stages, save the model.

The bundle (TFLite, metrics, model card, pictures) is written by ml/training/fields/bundle.py
from what this saves: model.keras (at the training's dynamic input size) and history.json (the
curves and the config), so `python -m ml fields bundle` can write it again without training.
"""

import dataclasses
import json
import time
from pathlib import Path

from ml.training.fields import data
from ml.training.fields.model import build_detector
from ml.training.fields.stages import DetectorConfig, fit_stages, validation_arrays

KERAS_FILE = "model.keras"
HISTORY_FILE = "history.json"


def load_training_data(
    config: DetectorConfig, data_dir: Path | None = None, limit: int | None = None
):
    """(train fields, validation arrays) in memory; `limit` keeps the first few of each (tests)."""
    train, validation = data.split_fields(data.shared_fields(data_dir))
    if limit:
        train, validation = train[:limit], validation[:limit]
    print(f"fields: {len(train)} train, {len(validation)} validation", flush=True)
    loaded = data.load_fields(train, config.input_size)
    return loaded, validation_arrays(data.load_fields(validation, config.input_size))


def saved_training(out_dir: Path):
    """(model, config, summary) of a trained detector from its model.keras and history.json:
    what ml/training/fields/bundle.py needs to write the bundle again."""
    import keras

    summary = json.loads((Path(out_dir) / HISTORY_FILE).read_text())
    if "config" not in summary:
        raise ValueError(f"{out_dir}/{HISTORY_FILE} does not record the training's config")
    fields = {
        key: tuple(value) if isinstance(value, list) else value
        for key, value in summary["config"].items()
    }
    model = keras.saving.load_model(Path(out_dir) / KERAS_FILE, compile=False)
    return model, DetectorConfig(**fields), summary


def train_detector(out_dir: Path, config: DetectorConfig, data_dir=None, limit=None):
    """Train and save model.keras and history.json in out_dir; returns (model, summary)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    train, validation = load_training_data(config, data_dir, limit)
    model, initialisation = build_detector(config.backbone)
    history = fit_stages(model, config, train, validation)
    model.save(out_dir / KERAS_FILE)
    summary = {
        "history": history,
        "initialisation": initialisation,
        "training_seconds": round(time.monotonic() - start, 1),
        "train_fields": len(train),
        "config": dataclasses.asdict(config),  # so that the bundle can be written again
    }
    (out_dir / HISTORY_FILE).write_text(json.dumps(summary, indent=2))
    return model, summary
