"""Turn a trained Keras model into a bundle: calibrate on validation, score every split, export.

Files written (docs/ARCHITECTURE.md): model.keras, model.tflite, metrics.json, config.json,
curves.png, confusion_matrix.png, MODEL_CARD.md and, last, bundle.json with the file hashes.
"""

import datetime
import json
import platform
from pathlib import Path

import numpy as np

from ml.serving import appearance
from ml.serving.bundle import write_bundle_metadata, write_json_atomic
from ml.serving.preprocess import STRETCH
from ml.training import calibration
from ml.training.export import convert_to_tflite, tflite_outputs, top1_agreement
from ml.training.metrics import classification_metrics, expected_calibration_error
from ml.training.model_card import write_model_card
from ml.training.plots import plot_confusion_matrix, plot_curves
from ml.training.selective import confidence_summary


def split_metrics(
    logits: np.ndarray, targets: np.ndarray, labels: list[str], temperature: float, threshold: float
) -> dict:
    """Accuracy, macro-F1, per-class scores, confusion matrix, ECE before/after temperature."""
    predicted = logits.argmax(axis=1) if len(logits) else np.zeros(0, dtype=int)
    scores = classification_metrics(
        [labels[t] for t in targets], [labels[p] for p in predicted], labels
    )
    calibrated = calibration.softmax(logits, temperature)
    scores["images"] = int(len(targets))
    scores["ece"] = {
        "before_temperature": expected_calibration_error(calibration.softmax(logits), targets),
        "after_temperature": expected_calibration_error(calibrated, targets),
    }
    scores["at_confidence_threshold"] = calibration.selective_scores(calibrated, targets, threshold)
    return scores


def write_training_bundle(
    out: Path,
    *,
    model,
    config: dict,
    splits,
    arrays: dict,
    logits: dict,
    history: dict,
    initialisation: str,
    timing: dict,
    calibration: dict | None = None,
) -> Path:
    """`logits` are the model's on each split, averaged over the views that serving will use;
    `calibration` is a refit's carried temperature, threshold and views (ml/training/train.py)."""
    out.mkdir(parents=True, exist_ok=True)
    labels = splits.labels
    model.save(out / "model.keras")
    (out / "model.tflite").write_bytes(convert_to_tflite(model))
    metrics = calibrated_metrics(out / "model.tflite", logits, arrays, labels, calibration)
    write_json_atomic(out / "metrics.json", metrics)
    training = training_record(history, timing, arrays)
    write_json_atomic(out / "config.json", {**config, "training": training})
    plot_curves(history, out / "curves.png", history.get("stage_boundary"))
    plot_confusion_matrix(
        metrics["test"]["confusion_matrix"],
        labels,
        out / "confusion_matrix.png",
        f"{config['name']}: test split, accuracy {metrics['test']['accuracy']:.3f}",
    )
    metadata = bundle_metadata(config, splits, arrays, logits, initialisation, metrics)
    if calibration:
        metadata.update(
            test_time_augmentation=calibration["test_time_augmentation"],
            validation_confidence=calibration["validation_confidence"],
            refit_of=calibration["from"],
        )
    write_model_card(out, metadata, {**config, "training": training}, metrics, splits.description)
    write_bundle_metadata(out, metadata, ["model.tflite", "model.keras"])
    print(json.dumps({s: metrics[s]["accuracy"] for s in ("train", "val", "test")}), flush=True)
    return out


def calibrated_metrics(
    tflite_path: Path, logits: dict, arrays: dict, labels: list[str], carried: dict | None = None
) -> dict:
    """Temperature and threshold fitted on validation (or carried over by a refit), every split
    scored with them, and the TFLite model's agreement with Keras on the test split."""
    if carried:
        temperature, threshold = carried["temperature"], carried["confidence_threshold"]
    else:
        val_targets = arrays["val"][1]
        temperature = calibration.fit_temperature(logits["val"], val_targets)
        threshold = calibration.choose_threshold(
            calibration.softmax(logits["val"], temperature), val_targets
        )
    metrics = {
        split: split_metrics(logits[split], arrays[split][1], labels, temperature, threshold)
        for split in ("train", "val", "test")
    }
    tta = carried["test_time_augmentation"] if carried else "none"
    test_tflite = tflite_outputs(tflite_path, arrays["test"][0], tta=tta)
    metrics["test"]["tflite_keras_top1_agreement"] = top1_agreement(test_tflite, logits["test"])
    metrics["test"]["tflite_keras_max_abs_logit_difference"] = (
        float(np.abs(test_tflite - logits["test"]).max()) if len(test_tflite) else 0.0
    )
    metrics["temperature"] = temperature
    metrics["confidence_threshold"] = threshold
    metrics["threshold_rule"] = (
        f"lowest confidence in [{calibration.MIN_THRESHOLD}, {calibration.MAX_THRESHOLD}] whose "
        f"kept validation predictions reach {calibration.TARGET_PRECISION} accuracy"
    )
    if carried:
        metrics["test_time_augmentation"] = tta
        metrics["threshold_rule"] += f", carried from {carried['from']['name']} (a refit)"
        metrics["val"]["seen_in_training"] = True
    return metrics


def training_record(history: dict, timing: dict, arrays: dict) -> dict:
    """What config.json keeps of the run: curves, best epoch, timing, image counts, machine."""
    return {
        "history": {k: v for k, v in history.items() if isinstance(v, list)},
        "stage_boundary": history.get("stage_boundary"),
        "best_epoch": history.get("best_epoch"),
        "timing": timing,
        "images": {split: int(len(arrays[split][1])) for split in arrays},
        "machine": {"platform": platform.platform(), "processor": platform.machine()},
    }


def bundle_metadata(
    config: dict, splits, arrays: dict, logits: dict, initialisation: str, metrics: dict
) -> dict:
    """bundle.json's content (without the file hashes that write_bundle_metadata adds)."""
    temperature, threshold = metrics["temperature"], metrics["confidence_threshold"]
    return {
        "name": config["name"],
        "labels": splits.labels,
        "input": {
            "size": config["image_size"],
            "channels": 3,
            "scaling": "raw_0_255",
            "resize": config.get("resize", STRETCH),
        },
        "outputs": "logits",
        "backbone": config["backbone"],
        "initialisation": initialisation,
        "temperature": temperature,
        "confidence_threshold": threshold,
        # The portal's domain check compares a lab's recent confidences with this distribution,
        "validation_confidence": confidence_summary(
            calibration.softmax(logits["val"], temperature).max(axis=1), threshold
        ),
        # ... and how the lab's images look with how the training images looked.
        "training_appearance": appearance.training_summary(arrays["train"][0]),
        "split_hash": splits.split_hash,
        "dataset": config["dataset"],
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
