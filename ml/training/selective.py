"""Selective classification: how accuracy grows as the least confident predictions are set aside.

    python -m ml selective --model pbc8 --dataset pbc --split val --out coverage.png
    python -m ml selective --model pbc8 --dataset pbc --split val --store-validation-summary

A prediction whose calibrated confidence is below the bundle's threshold is shown as
"unidentified" and left to the reviewer. The coverage curve shows, for every threshold, the share
of images kept and the accuracy on them; `confidence_summary` condenses a confidence distribution
(quantiles, histogram, share below the threshold) for the bundle's metadata, where the portal's
domain check compares a lab's recent predictions against it. No TensorFlow here (serving only).
"""

from pathlib import Path

import numpy as np

from ml.serving import load_image, read_bundle_metadata
from ml.serving.bundle import require_held_out_validation, update_bundle_metadata
from ml.training import data, paths

HISTOGRAM_BINS = 20
BATCH_SIZE = 32
QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


def coverage_curve(confidences: np.ndarray, correct: np.ndarray) -> dict:
    """Coverage and accuracy of the k most confident predictions, for k = 1..n."""
    confidences = np.asarray(confidences, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    order = np.argsort(-confidences, kind="stable")
    kept = np.arange(1, len(order) + 1)
    return {
        "coverage": kept / max(len(order), 1),
        "accuracy": np.cumsum(correct[order]) / kept,
        "threshold": confidences[order],
    }


def at_threshold(confidences: np.ndarray, correct: np.ndarray, threshold: float) -> dict:
    """Share flagged (confidence below threshold), and accuracy on all and on the kept rest."""
    confidences = np.asarray(confidences, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    kept = confidences >= threshold
    return {
        "threshold": float(threshold),
        "flagged_share": float(1.0 - kept.mean()) if len(kept) else 0.0,
        "accuracy_all": float(correct.mean()) if len(correct) else 0.0,
        "accuracy_kept": float(correct[kept].mean()) if kept.any() else 0.0,
    }


def confidence_summary(confidences: np.ndarray, threshold: float) -> dict:
    """n, median, quantiles, a 20-bin histogram on [0, 1] and the share below `threshold`."""
    confidences = np.clip(np.asarray(confidences, dtype=np.float64), 0.0, 1.0)
    counts, edges = np.histogram(confidences, bins=HISTOGRAM_BINS, range=(0.0, 1.0))
    empty = len(confidences) == 0
    return {
        "n": int(len(confidences)),
        "median": 0.0 if empty else float(np.median(confidences)),
        "quantiles": {
            str(q): 0.0 if empty else float(np.quantile(confidences, q)) for q in QUANTILES
        },
        "histogram": {"edges": [round(float(e), 4) for e in edges], "counts": counts.tolist()},
        "threshold": float(threshold),
        "unidentified_share": 0.0 if empty else float((confidences < threshold).mean()),
    }


def plot_coverage_curves(
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    path: Path,
    title: str,
    threshold: float | dict[str, float] | None = None,
) -> None:
    """One accuracy-against-coverage line per named (confidences, correct) pair, as a PNG.

    With a threshold (one for all lines, or one per line name), each line gets a dot where its
    threshold cuts it.
    """
    per_line = threshold if isinstance(threshold, dict) else dict.fromkeys(curves, threshold)
    # Imported here: only a plot needs matplotlib; `selective --json` and bundle writing do not.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4.2))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for name, (confidences, correct) in curves.items():
        curve = coverage_curve(confidences, correct)
        (line,) = axes.plot(curve["coverage"], curve["accuracy"], label=name)
        if per_line.get(name) is not None and len(confidences):
            point = at_threshold(confidences, correct, per_line[name])
            axes.plot(
                1 - point["flagged_share"], point["accuracy_kept"], "o", color=line.get_color()
            )
    axes.set_xlabel("coverage (share of images given a label)")
    axes.set_ylabel("accuracy on the images given a label")
    axes.set_xlim(0, 1.01)
    axes.set_ylim(0, 1.01)
    axes.grid(alpha=0.3)
    if isinstance(threshold, dict):
        suffix = "; dots: each model's threshold"
    else:
        suffix = f"; dots: threshold {threshold:.2f}" if threshold is not None else ""
    axes.set_title(title + suffix, fontsize=10)
    axes.legend(fontsize="small", loc="lower left")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight")


def dataset_items(
    labels: list[str], data_dir: Path | None, dataset: str | None, split: str
) -> list[tuple[Path, int]]:
    """(path, label index) of a committed split of `dataset`, or of the image-folder tree
    `data_dir` when no dataset is named."""
    if dataset:
        splits = data.load_splits(dataset, Path(data_dir or paths.default_data_dir()))
        return [
            (path, labels.index(splits.labels[label]))
            for path, label in splits.items[split]
            if splits.labels[label] in labels
        ]
    if not data_dir:
        raise ValueError("give --data (an image-folder tree) or --dataset with --split")
    _, items = data.scan_image_folder(Path(data_dir), labels)
    return items


def confidences_and_correct(classifier, items: list[tuple[Path, int]]):
    """(confidence of each image's prediction, whether it is right), in batches."""
    predictions = []
    for start in range(0, len(items), BATCH_SIZE):
        batch = [load_image(path) for path, _ in items[start : start + BATCH_SIZE]]
        predictions.extend(classifier.predict(batch))
    confidences = np.array([p.confidence for p in predictions])
    correct = np.array(
        [p.label == classifier.labels[t] for p, (_, t) in zip(predictions, items, strict=True)]
    )
    return confidences, correct


def selective_report(
    classifier, items: list[tuple[Path, int]], split: str, plot: Path | None, store: bool
) -> dict:
    """Coverage and accuracy at the bundle's threshold and its confidence summary; optionally
    the coverage curve drawn to `plot` and the summary stored as validation_confidence."""
    if store:
        require_held_out_validation(
            read_bundle_metadata(classifier.bundle_dir), "store the validation confidences"
        )
    confidences, correct = confidences_and_correct(classifier, items)
    threshold = classifier.confidence_threshold
    report = {
        "model": classifier.name,
        "n": len(items),
        **at_threshold(confidences, correct, threshold),
        "confidence": confidence_summary(confidences, threshold),
    }
    if plot:
        plot_coverage_curves({classifier.name: (confidences, correct)}, plot, split, threshold)
    if store:
        update_bundle_metadata(
            classifier.bundle_dir, {"validation_confidence": report["confidence"]}
        )
    return report
