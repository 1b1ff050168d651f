"""Leave-one-lab-out: train on one lab, test on the other, one change at a time.

    python -m ml crosslab --out runs/crosslab --image-size 128 --epochs 4 --limit-per-class 400

Labs: PBC (Barcelona, CellaVision DM96, May-Grünwald-Giemsa) and Kaggle/BCCD (another lab, camera
and stain), on the four classes they share. Directions: train on the PBC train split and test on
Kaggle's official TEST; train on Kaggle TRAIN (split by original, ml/splits/kaggle.csv) and test on
the PBC test split. Each row of the ablation trains one model with one change from the baseline
recipe and scores it in its own lab (in-lab) and in the other (cross-lab). Temperature and the
"unidentified" threshold come from the training lab's validation split, as in a shipped bundle.

Rows are appended to OUT/results.jsonl as they finish; a rerun skips the rows already there for
the same protocol, so an interrupted run resumes. OUT/table.md and coverage plots are rewritten
from results.jsonl at the end (ml/crosslab_report.py).
"""

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ml import calibration, data, paths
from ml.crosslab_models import adapt_batchnorm, export_bundle, logits_of, train_model
from ml.crosslab_protocol import (
    DIRECTIONS,
    LABS,
    SHARED_LABELS,
    VARIANTS,
    Protocol,
    Variant,
    model_file,
    predictions_file,
)
from ml.metrics import classification_metrics, expected_calibration_error
from ml.selective import at_threshold


@dataclass
class LabArrays:
    """uint8 images and shared-label targets of one lab's train, val and test splits."""

    name: str
    arrays: dict[str, tuple[np.ndarray, np.ndarray]]


# ---------------------------------------------------------------- data


def shared_items(splits: data.DatasetSplits, split: str) -> list[tuple[Path, int]]:
    """The split's items of the shared classes, with targets re-indexed to SHARED_LABELS."""
    return [
        (path, SHARED_LABELS.index(splits.labels[label]))
        for path, label in splits.items[split]
        if splits.labels[label] in SHARED_LABELS
    ]


def load_lab(
    name: str, data_dir: Path, split_csv: Path | None, protocol: Protocol, resize: str
) -> LabArrays:
    """Decode (through the cache) the lab's splits at the protocol's size and limits."""
    from ml.train_data import limit_items

    splits = data.load_splits(name, data_dir, split_csv=split_csv)
    limits = {"train": protocol.limit_per_class, "val": protocol.val_limit_per_class, "test": 0}
    arrays = {}
    for split, limit in limits.items():
        items = limit_items(shared_items(splits, split), limit, protocol.seed)
        image_paths = [path for path, _ in items]
        images = data.cached_images(
            f"crosslab_{name}_{split}", image_paths, protocol.image_size, resize
        )
        arrays[split] = (images, np.array([t for _, t in items], dtype=np.int64))
    return LabArrays(name, arrays)


def sample(images: np.ndarray, count: int, seed: int) -> np.ndarray:
    """A seeded random subset (the arrays are sorted by class, so a prefix would be one class)."""
    order = np.random.default_rng(seed).permutation(len(images))[:count]
    return images[np.sort(order)]


def normalise_lab(lab: LabArrays, method: str, reference: np.ndarray) -> LabArrays:
    from ml.stain import normalise_batch

    return LabArrays(
        lab.name,
        {
            split: (normalise_batch(images, method, reference), targets)
            for split, (images, targets) in lab.arrays.items()
        },
    )


def joined(labs: list[LabArrays], split: str) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.concatenate([lab.arrays[split][0] for lab in labs]),
        np.concatenate([lab.arrays[split][1] for lab in labs]),
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


def run_row(
    variant_name: str,
    direction: str,
    labs_by_resize: dict[str, dict[str, LabArrays]],
    protocol: Protocol,
    out: Path,
    export_bundles: bool = False,
) -> dict:
    """Train (or reuse) the row's model and score it in-lab and cross-lab."""
    variant = VARIANTS[variant_name]
    labs = labs_by_resize[variant.resize]
    started = time.monotonic()
    if variant.both_labs:
        sources, targets = list(LABS), []
    else:
        source, target = DIRECTIONS[direction]
        sources, targets = [source], [target]
    source_labs = [labs[name] for name in sources]
    all_labs = {name: labs[name] for name in LABS}
    if variant.normalise:
        reference = sample(source_labs[0].arrays["train"][0], 200, protocol.seed)
        all_labs = {n: normalise_lab(lab, variant.normalise, reference) for n, lab in labs.items()}
        source_labs = [all_labs[name] for name in sources]
    arrays = {split: joined(source_labs, split) for split in ("train", "val")}
    target_train = all_labs[targets[0]].arrays["train"] if targets else None
    model, pseudo_labels = load_or_train(
        variant_name, direction, variant, arrays, protocol, out, target_train
    )
    if export_bundles and variant_name == "baseline":
        export_bundle(model, source_labs[0], protocol, SHARED_LABELS, out / "bundles" / direction)
    val_logits = logits_of(model, arrays["val"][0])
    temperature = calibration.fit_temperature(val_logits, arrays["val"][1])
    threshold = calibration.choose_threshold(
        calibration.softmax(val_logits, temperature), arrays["val"][1]
    )
    evaluations, validation = {}, {}
    for name, lab in all_labs.items():
        scored_model = model
        if name in targets and variant.adapt_batchnorm:
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
        "sources": sources,
        "targets": targets,
        "protocol": asdict(protocol),
        "protocol_key": protocol.key(),
        "train_images": int(len(arrays["train"][1])),
        "pseudo_labels": pseudo_labels,
        "seconds": round(time.monotonic() - started, 1),
        "temperature": temperature,
        "threshold": threshold,
        "test": evaluations,
        "val": validation,
    }


def load_or_train(
    variant_name, direction, variant: Variant, arrays, protocol, out: Path, target_train
) -> tuple:
    """The row's model and, for a self-trained row trained now, what its pseudo-labels were.

    A row with a `base` starts from that row's model (loaded, or made now the same way):
    BatchNorm adaptation uses it as it is, self-training goes on training it. `target_train` is
    the other lab's train split; self-training reads its images, and its labels only to report
    how many pseudo-labels were right.
    """
    import keras

    from ml.crosslab_models import self_train_model

    own = model_file(out, variant_name, direction, protocol.key())
    if own.is_file():
        return keras.models.load_model(own), None
    if not variant.base:
        model = train_model(arrays, variant.augment, protocol, len(SHARED_LABELS))
        own.parent.mkdir(parents=True, exist_ok=True)
        model.save(own)
        return model, None
    base = VARIANTS[variant.base]
    model, _ = load_or_train(variant.base, direction, base, arrays, protocol, out, target_train)
    if not variant.pseudo_share:
        return model, None
    images, truth = target_train
    indices, labels = self_train_model(model, arrays, images, variant, protocol, len(SHARED_LABELS))
    model.save(own)
    return model, {
        "images": int(len(indices)),
        "of": int(len(images)),
        "accuracy": float(np.mean(labels == truth[indices])) if len(indices) else 0.0,
    }


def finished_rows(results: Path, protocol: Protocol) -> set[tuple[str, str]]:
    if not results.is_file():
        return set()
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    return {(r["variant"], r["direction"]) for r in rows if r["protocol_key"] == protocol.key()}


def planned_rows(variants: list[str]) -> list[tuple[str, str]]:
    rows = []
    for name in variants:
        directions = ["both"] if VARIANTS[name].both_labs else list(DIRECTIONS)
        rows += [(name, direction) for direction in directions]
    return rows


def run_all(
    out: Path,
    variants: list[str],
    protocol: Protocol,
    data_dir: Path,
    split_csvs: dict,
    export_bundles: bool = False,
) -> list[dict]:
    """Every planned row not yet in OUT/results.jsonl; returns the rows run now."""
    out.mkdir(parents=True, exist_ok=True)
    results = out / "results.jsonl"
    todo = [row for row in planned_rows(variants) if row not in finished_rows(results, protocol)]
    if not todo:
        return []
    labs_by_resize = {
        resize: {
            name: load_lab(name, data_dir, split_csvs.get(name), protocol, resize) for name in LABS
        }
        for resize in sorted({VARIANTS[variant].resize for variant, _ in todo})
    }
    done = []
    for variant_name, direction in todo:
        print(f"crosslab: {variant_name} {direction}", flush=True)
        row = run_row(variant_name, direction, labs_by_resize, protocol, out, export_bundles)
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
    from ml.crosslab_report import write_report

    variants = [name.strip() for name in args.variants.split(",") if name.strip()]
    unknown = [name for name in variants if name not in VARIANTS]
    if unknown:
        print(f"error: unknown variants {unknown}; choose from {list(VARIANTS)}")
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
    run_all(args.out, variants, protocol, data_dir, split_csvs, args.export_bundles)
    table = write_report(args.out, protocol)
    print(table)
    return 0
