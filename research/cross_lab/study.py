"""Leave-one-lab-out: train on one lab, test on the other, one change at a time.

    python -m research.cross_lab --out runs/crosslab --image-size 128 --epochs 4 \\
        --limit-per-class 400

Labs: PBC (Barcelona, CellaVision DM96, May-Grünwald-Giemsa) and Kaggle/BCCD (another lab, camera
and stain), on the four classes they share. Directions: train on the PBC train split and test on
Kaggle's official TEST; train on Kaggle TRAIN (split by original, ml/splits/kaggle.csv) and test on
the PBC test split. Each row of the ablation trains one model with one change from the baseline
recipe and scores it in its own lab (in-lab) and in the other (cross-lab). Temperature and the
"unidentified" threshold come from the training lab's validation split, as in a shipped bundle. Rows
with labelled cells of the other lab (`<base>_shotsK`, ml/adaptation/few_shot.py) are the exception:
not leave-one-lab-out, they measure how few of a new lab's labels a model needs.

Rows are appended to OUT/results.jsonl as they finish; a rerun skips the rows already there for
the same protocol, so an interrupted run resumes. OUT/table.md and coverage plots are rewritten
from results.jsonl at the end (research/cross_lab/report.py).
"""

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ml.adaptation.self_training import mean_probabilities
from ml.training import calibration, paths
from ml.training.metrics import classification_metrics, expected_calibration_error
from ml.training.selective import at_threshold
from research.cross_lab.data import Workspace, load_lab, sample
from research.cross_lab.models import adapt_batchnorm, export_bundle, logits_of, train_model
from research.cross_lab.protocol import (
    DIRECTIONS,
    LABS,
    SHARED_LABELS,
    VARIANTS,
    Protocol,
    model_file,
    predictions_file,
    rows_needed,
    voting_teachers,
)

# ---------------------------------------------------------------- scoring


def score(logits: np.ndarray, targets: np.ndarray, temperature: float, threshold: float) -> dict:
    """Accuracy, macro-F1, recall per class, ECE before/after temperature, selective figures."""
    probs = calibration.softmax(logits, temperature)
    predicted = probs.argmax(axis=1)
    metrics = classification_metrics(
        [SHARED_LABELS[t] for t in targets], [SHARED_LABELS[p] for p in predicted], SHARED_LABELS
    )
    confidences = probs.max(axis=1)
    return {
        "n": int(len(targets)),
        "accuracy": metrics["accuracy"],
        "macro_f1": metrics["macro_f1"],
        "recall": {label: s["recall"] for label, s in metrics["per_class"].items()},
        "confusion_matrix": metrics["confusion_matrix"],
        "ece_before": expected_calibration_error(calibration.softmax(logits), targets),
        "ece": expected_calibration_error(probs, targets),
        "median_confidence": float(np.median(confidences)) if len(confidences) else 0.0,
        **at_threshold(confidences, predicted == targets, threshold),
    }


def save_predictions(file: Path, logits, targets, temperature) -> None:
    """Per-image confidence and correctness, for the coverage plots."""
    probs = calibration.softmax(logits, temperature)
    file.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(file, confidence=probs.max(axis=1), correct=probs.argmax(axis=1) == targets)


# ---------------------------------------------------------------- rows


def run_row(variant_name: str, direction: str, workspace: Workspace, export: bool = False) -> dict:
    """Train (or reuse) the row's model and score it in-lab and cross-lab."""
    variant = VARIANTS[variant_name]
    protocol, out = workspace.protocol, workspace.out
    started = time.monotonic()
    inputs = workspace.inputs(variant_name, direction)
    model, pseudo_labels = load_or_train(variant_name, direction, workspace)
    if export and variant_name == "baseline":
        source_lab = inputs.labs[inputs.sources[0]]
        export_bundle(model, source_lab, protocol, SHARED_LABELS, out / "bundles" / direction)
    arrays = inputs.arrays
    val_logits = logits_of(model, arrays["val"][0])
    temperature = calibration.fit_temperature(val_logits, arrays["val"][1])
    threshold = calibration.choose_threshold(
        calibration.softmax(val_logits, temperature), arrays["val"][1]
    )
    evaluations, validation = {}, {}
    for name, lab in inputs.labs.items():
        scored_model = model
        if name in inputs.targets and variant.adapt_batchnorm:
            adapt_images = sample(lab.arrays["train"][0], protocol.adapt_images, protocol.seed)
            scored_model = adapt_batchnorm(model, adapt_images, protocol.batch_size)
        test_images, test_targets = lab.arrays["test"]
        logits = logits_of(scored_model, test_images)
        evaluations[name] = score(logits, test_targets, temperature, threshold)
        file = predictions_file(out, variant_name, direction, protocol.key(), name)
        save_predictions(file, logits, test_targets, temperature)
        validation[name] = score(
            logits_of(scored_model, lab.arrays["val"][0]),
            lab.arrays["val"][1],
            temperature,
            threshold,
        )
    return {
        "variant": variant_name,
        "description": variant.description,
        "direction": direction,
        "sources": inputs.sources,
        "targets": inputs.targets,
        "protocol": asdict(protocol),
        "protocol_key": protocol.key(),
        "train_images": int(len(arrays["train"][1])),
        "pseudo_labels": pseudo_labels,
        "labelled_cells": int(len(inputs.shots)),
        "seconds": round(time.monotonic() - started, 1),
        "temperature": temperature,
        "threshold": threshold,
        "test": evaluations,
        "val": validation,
    }


def load_or_train(variant_name: str, direction: str, workspace: Workspace) -> tuple:
    """The row's model and, for a self-trained row trained now, what its pseudo-labels were.

    A row with a `base` starts from that row's model (loaded, or made now the same way):
    BatchNorm adaptation uses it as it is, self-training goes on training it, on pseudo-labels
    from the mean probability of that model and the row's `teachers`. Self-training reads the
    other lab's train images, and their labels only to report how many pseudo-labels were right.
    """
    import keras

    from research.cross_lab.models import fine_tune_model, self_train_model

    variant = VARIANTS[variant_name]
    protocol = workspace.protocol
    own = model_file(workspace.out, variant_name, direction, protocol.key())
    if own.is_file():
        return keras.models.load_model(own), None
    inputs = workspace.inputs(variant_name, direction)
    if not variant.base:
        model = train_model(inputs.arrays, variant.augment, protocol, len(SHARED_LABELS))
        own.parent.mkdir(parents=True, exist_ok=True)
        model.save(own)
        return model, None
    model, _ = load_or_train(variant.base, direction, workspace)
    if variant.labelled_per_class and not VARIANTS[variant.base].labelled_per_class:
        # The row that brings the new lab's labelled cells in: fine-tune on them.
        fine_tune_model(model, inputs.arrays, variant, protocol, len(SHARED_LABELS))
        model.save(own)
        return model, None
    if not variant.pseudo_share:
        return model, None
    images, truth = inputs.target_train
    voters, voter_names = [(model, images)], [variant_name]
    for teacher, row, seed in voting_teachers(variant, protocol.seed):
        teacher_space = workspace if seed is None else workspace.with_seed(seed)
        teacher_images, teacher_truth = teacher_space.inputs(row, direction).target_train
        assert np.array_equal(teacher_truth, truth), "a teacher must see the same images"
        voters.append((load_or_train(row, direction, teacher_space)[0], teacher_images))
        voter_names.append(teacher)
    indices, labels, _ = self_train_model(
        model,
        inputs.arrays,
        images,
        mean_probabilities(voters),
        variant,
        protocol,
        len(SHARED_LABELS),
    )
    model.save(own)
    return model, {
        "images": int(len(indices)),
        "of": int(len(images)),
        "accuracy": float(np.mean(labels == truth[indices])) if len(indices) else 0.0,
        "teachers": voter_names,
    }


def finished_rows(results: Path, protocol: Protocol) -> set[tuple[str, str]]:
    if not results.is_file():
        return set()
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    return {(r["variant"], r["direction"]) for r in rows if r["protocol_key"] == protocol.key()}


def planned_rows(variants: list[str], directions=tuple(DIRECTIONS)) -> list[tuple[str, str]]:
    rows = []
    for name in variants:
        row_directions = ["both"] if VARIANTS[name].both_labs else list(directions)
        rows += [(name, direction) for direction in row_directions]
    return rows


def run_all(
    out: Path,
    variants: list[str],
    protocol: Protocol,
    data_dir: Path,
    split_csvs: dict,
    export_bundles: bool = False,
    directions=tuple(DIRECTIONS),
) -> list[dict]:
    """Every planned row not yet in OUT/results.jsonl; returns the rows run now."""
    out.mkdir(parents=True, exist_ok=True)
    results = out / "results.jsonl"
    todo = [
        row
        for row in planned_rows(variants, directions)
        if row not in finished_rows(results, protocol)
    ]
    if not todo:
        return []
    resizes = {VARIANTS[row].resize for variant, _ in todo for row in rows_needed(variant)}
    labs_by_resize = {
        resize: {
            name: load_lab(name, data_dir, split_csvs.get(name), protocol, resize) for name in LABS
        }
        for resize in sorted(resizes)
    }
    workspace = Workspace(labs_by_resize, protocol, out)
    done = []
    for variant_name, direction in todo:
        print(f"crosslab: {variant_name} {direction}", flush=True)
        row = run_row(variant_name, direction, workspace, export_bundles)
        with open(results, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
        done.append(row)
        print(json.dumps(summary_line(row)), flush=True)
    return done


def summary_line(row: dict) -> dict:
    return {
        "row": f"{row['variant']} {row['direction']}",
        **{f"{lab}_accuracy": round(s["accuracy"], 4) for lab, s in row["test"].items()},
        "seconds": row["seconds"],
    }


# ---------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Protocol()
    parser.add_argument("--out", type=Path, required=True, help="results folder (resumable)")
    parser.add_argument("--data", type=Path, default=None, help="data dir (default ../shared/data)")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated rows")
    parser.add_argument(
        "--directions", default=",".join(DIRECTIONS), help="comma-separated: which way(s) to run"
    )
    parser.add_argument("--image-size", type=int, default=defaults.image_size)
    parser.add_argument("--head-epochs", type=int, default=defaults.head_epochs)
    parser.add_argument("--epochs", type=int, default=defaults.epochs, help="fine-tuning epochs")
    parser.add_argument("--limit-per-class", type=int, default=defaults.limit_per_class)
    parser.add_argument("--val-limit-per-class", type=int, default=defaults.val_limit_per_class)
    parser.add_argument("--adapt-images", type=int, default=defaults.adapt_images)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--pbc-split-csv", type=Path, help="default ml/splits/pbc.csv")
    parser.add_argument("--kaggle-split-csv", type=Path, help="default ml/splits/kaggle.csv")
    parser.add_argument(
        "--export-bundles",
        action="store_true",
        help="also write each baseline model as a bundle in OUT/bundles/<direction>",
    )


def run(args: argparse.Namespace) -> int:
    from research.cross_lab.report import write_report

    variants = [name.strip() for name in args.variants.split(",") if name.strip()]
    unknown = [name for name in variants if name not in VARIANTS]
    if unknown:
        print(f"error: unknown variants {unknown}; choose from {list(VARIANTS)}")
        return 2
    directions = [name.strip() for name in args.directions.split(",") if name.strip()]
    if not directions or set(directions) - set(DIRECTIONS):
        print(f"error: unknown directions {directions}; choose from {list(DIRECTIONS)}")
        return 2
    protocol = Protocol(
        image_size=args.image_size,
        head_epochs=args.head_epochs,
        epochs=args.epochs,
        limit_per_class=args.limit_per_class,
        val_limit_per_class=args.val_limit_per_class,
        adapt_images=args.adapt_images,
        batch_size=args.batch_size,
        seed=args.seed,
    )
    split_csvs = {"pbc": args.pbc_split_csv, "kaggle": args.kaggle_split_csv}
    data_dir = Path(args.data or paths.default_data_dir())
    run_all(args.out, variants, protocol, data_dir, split_csvs, args.export_bundles, directions)
    table = write_report(args.out, protocol)
    print(table)
    return 0
