"""Choose test-time augmentation on validation (`python -m ml tta --model BUNDLE [--apply]`).

Scores the bundle's validation split through its TFLite model with each choice of
ml/serving/test_time_views.py that runs at most --max-views model passes per image (each view costs
one: a latency budget), and prints the accuracies as JSON. With --apply, the best one on validation
(ties keep the fewer views) is written into the bundle: the temperature and the "unidentified"
threshold are refitted on the validation logits of that choice, every split is rescored, and
metrics.json, bundle.json, confusion_matrix.png and MODEL_CARD.md are rewritten. The test split is
scored only after the choice, for the report.

`--exit-confidence` chooses, for the bundle's own views, how sure the first view must be for the
classifier to stop there (ml/serving/test_time_views.py): the lowest of EXIT_GRID at which no
answer and no "unidentified" flag differs from the mean over every view. The rule reads no label,
so it can be run on any cells the model never trained on: the validation split (test scored
after, for the report), or with `--images DIR` a folder of such cells, which a refit needs (its
validation split was trained on, and a trained-on cell's first view is surer than a new one's;
another lab's cells are the stricter test). With --apply the level is written into bundle.json
as "test_time_exit_confidence"; nothing else changes.
"""

import json
from pathlib import Path

import numpy as np

from ml.serving import test_time_views
from ml.serving.bundle import (
    read_bundle_metadata,
    require_held_out_validation,
    write_bundle_metadata,
    write_json_atomic,
)
from ml.serving.classifier import Classifier, load_classifier
from ml.serving.preprocess import IMAGE_EXTENSIONS
from ml.training import calibration
from ml.training.bundle_writer import split_metrics
from ml.training.model_card import write_model_card
from ml.training.plots import plot_confusion_matrix
from ml.training.selective import confidence_summary
from ml.training.train_data import bundle_arrays

SPLITS = ("train", "val", "test")
EXIT_GRID = (0.9, 0.95, 0.98, 0.99, 0.995, 0.999)


def accuracy(logits: np.ndarray, targets: np.ndarray) -> float:
    return float((logits.argmax(axis=1) == targets).mean()) if len(targets) else 0.0


def allowed_choices(max_views: int) -> list[str]:
    return [tta for tta in test_time_views.CHOICES if test_time_views.view_count(tta) <= max_views]


def validation_accuracies(
    classifier: Classifier, arrays: dict, choices: list[str]
) -> dict[str, float]:
    images, targets = arrays["val"]
    return {
        tta: accuracy(classifier.logits(images.astype(np.float32), tta), targets) for tta in choices
    }


def best_choice(scores: dict[str, float]) -> str:
    """Highest validation accuracy; on a tie the choice with fewer views (it is faster)."""
    return max(scores, key=lambda tta: (scores[tta], -test_time_views.view_count(tta)))


def rescored_metrics(classifier: Classifier, arrays: dict, labels, old_metrics: dict, tta: str):
    """metrics.json after rescoring every split with `tta`: temperature and threshold refitted
    on validation; the TFLite/Keras agreement kept (the model itself is unchanged)."""
    logits = {s: classifier.logits(arrays[s][0].astype(np.float32), tta) for s in SPLITS}
    val_targets = arrays["val"][1]
    temperature = calibration.fit_temperature(logits["val"], val_targets)
    threshold = calibration.choose_threshold(
        calibration.softmax(logits["val"], temperature), val_targets
    )
    metrics = {
        **old_metrics,
        **{
            s: split_metrics(logits[s], arrays[s][1], labels, temperature, threshold)
            for s in SPLITS
        },
        "temperature": temperature,
        "confidence_threshold": threshold,
        "test_time_augmentation": tta,
    }
    for key in ("tflite_keras_top1_agreement", "tflite_keras_max_abs_logit_difference"):
        if key in old_metrics["test"]:
            metrics["test"][key] = old_metrics["test"][key]
    validation = calibration.softmax(logits["val"], temperature).max(axis=1)
    return metrics, confidence_summary(validation, threshold)


def apply_choice(bundle_dir: Path, classifier: Classifier, splits, arrays: dict, tta: str) -> dict:
    """Rescore every split with `tta`, refit calibration on validation, rewrite the bundle."""
    metadata = read_bundle_metadata(bundle_dir)
    old_metrics = json.loads((bundle_dir / "metrics.json").read_text(encoding="utf-8"))
    labels = metadata["labels"]
    metrics, validation_confidence = rescored_metrics(classifier, arrays, labels, old_metrics, tta)
    metadata.update(
        temperature=metrics["temperature"],
        confidence_threshold=metrics["confidence_threshold"],
        test_time_augmentation=tta,
        validation_confidence=validation_confidence,
    )
    write_json_atomic(bundle_dir / "metrics.json", metrics)
    plot_confusion_matrix(
        metrics["test"]["confusion_matrix"],
        labels,
        bundle_dir / "confusion_matrix.png",
        f"{metadata['name']}: test split, {tta}, accuracy {metrics['test']['accuracy']:.3f}",
    )
    config = json.loads((bundle_dir / "config.json").read_text(encoding="utf-8"))
    write_model_card(bundle_dir, metadata, config, metrics, splits.description)
    write_bundle_metadata(bundle_dir, metadata, sorted(metadata["files"]))
    return {s: metrics[s]["accuracy"] for s in SPLITS}


def choose_tta(bundle_dir: Path, data_dir: Path | None, max_views: int, apply: bool) -> dict:
    """Validation accuracy of each choice of at most `max_views` views, the best one, and with
    `apply`, the bundle rewritten for it (the accuracies after)."""
    require_held_out_validation(read_bundle_metadata(bundle_dir), "choose test-time views")
    splits, arrays = bundle_arrays(bundle_dir, data_dir)
    classifier = load_classifier(bundle_dir)
    scores = validation_accuracies(classifier, arrays, allowed_choices(max_views))
    chosen = best_choice(scores)
    report = {"model": str(bundle_dir), "val_accuracy": scores, "chosen_on_validation": chosen}
    if apply:
        report["accuracy_after"] = apply_choice(bundle_dir, classifier, splits, arrays, chosen)
    return report


def exit_rows(
    classifier: Classifier, images: np.ndarray, targets: np.ndarray | None = None
) -> list[dict]:
    """Per level of EXIT_GRID: the share of images answered from the first view, how many
    answers and "unidentified" flags differ from every view's, and with targets the accuracy."""
    every = calibration.softmax(classifier.logits(images, classifier.tta), classifier.temperature)
    first = calibration.softmax(
        classifier.logits(images, test_time_views.NONE), classifier.temperature
    )
    threshold = classifier.confidence_threshold
    rows = []
    for level in EXIT_GRID:
        sure = first.max(axis=1) >= level
        answers = np.where(sure, first.argmax(axis=1), every.argmax(axis=1))
        flagged = np.where(sure, first.max(axis=1), every.max(axis=1)) < threshold
        row = {
            "exit_confidence": level,
            "first_view_only": round(float(sure.mean()), 4),
            "answers_changed": int((answers != every.argmax(axis=1)).sum()),
            "flags_changed": int((flagged != (every.max(axis=1) < threshold)).sum()),
        }
        if targets is not None:
            row["accuracy"] = round(float((answers == targets).mean()), 5)
        rows.append(row)
    return rows


def lowest_unchanged(rows: list[dict]) -> float | None:
    unchanged = [row for row in rows if not row["answers_changed"] and not row["flags_changed"]]
    return min((row["exit_confidence"] for row in unchanged), default=None)


def folder_batch(classifier: Classifier, folder: Path) -> np.ndarray:
    """Every image under `folder` (any depth), framed as the classifier frames an upload."""
    paths = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS)
    if not paths:
        raise ValueError(f"{folder}: no images found")
    return classifier.model_input([classifier.open_image(path) for path in paths])


def choose_exit_confidence(
    bundle_dir: Path, data_dir: Path | None, apply: bool, images: Path | None = None
) -> dict:
    """The exit confidence chosen on validation (test scored after, for the report) or on the
    cells under `images`; with `apply`, written into bundle.json."""
    metadata = read_bundle_metadata(bundle_dir)
    if metadata.get("test_time_augmentation", test_time_views.NONE) == test_time_views.NONE:
        raise ValueError(f"{bundle_dir}: one view only; there is nothing to stop early")
    classifier = load_classifier(bundle_dir)
    if images is None:
        require_held_out_validation(metadata, "choose an exit confidence (or give --images)")
        _, arrays = bundle_arrays(bundle_dir, data_dir)
        scored = {
            split: exit_rows(classifier, arrays[split][0].astype(np.float32), arrays[split][1])
            for split in ("val", "test")
        }
        chosen = lowest_unchanged(scored["val"])
    else:
        scored = {"images": exit_rows(classifier, folder_batch(classifier, images))}
        chosen = lowest_unchanged(scored["images"])
    report = {"model": str(bundle_dir), "chosen": chosen, **scored}
    if apply:
        metadata.pop("test_time_exit_confidence", None)
        if chosen is not None:
            metadata["test_time_exit_confidence"] = chosen
        write_bundle_metadata(bundle_dir, metadata, sorted(metadata["files"]))
    return report
