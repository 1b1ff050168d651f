"""Score a bundle's TFLite model on an image-folder tree.

The data directory holds one sub-folder per class, named like the model's labels. Data with fewer
classes (pbc8 on the Kaggle TEST folders) is scored against all of the model's classes, so absent
classes show zero support. A folder that is not one of the model's labels is an error (exit 2).
"""

import sys
from pathlib import Path

from tqdm import tqdm

from ml.serving.classifier import Classifier
from ml.serving.preprocess import load_image
from ml.training.data import scan_image_folder
from ml.training.metrics import classification_metrics

BATCH_SIZE = 32


def predict_labels(classifier: Classifier, image_paths: list[Path]) -> list[str]:
    """Predicted label of every image, in batches, with a progress bar on stderr."""
    predicted: list[str] = []
    with tqdm(total=len(image_paths), desc="evaluate", unit="img", file=sys.stderr) as progress:
        for start in range(0, len(image_paths), BATCH_SIZE):
            batch = [load_image(path) for path in image_paths[start : start + BATCH_SIZE]]
            predicted.extend(p.label for p in classifier.predict(batch))
            progress.update(len(batch))
    return predicted


def evaluate(classifier: Classifier, data_dir: Path) -> dict:
    """The evaluation report: model, n, accuracy, macro_f1, labels, per_class, confusion_matrix."""
    labels, items = scan_image_folder(data_dir, classifier.labels)
    true_labels = [labels[index] for _, index in items]
    predicted = predict_labels(classifier, [path for path, _ in items])
    metrics = classification_metrics(true_labels, predicted, labels)
    return {
        "model": classifier.name,
        "n": len(items),
        "accuracy": metrics["accuracy"],
        "macro_f1": metrics["macro_f1"],
        "labels": labels,
        "per_class": metrics["per_class"],
        "confusion_matrix": metrics["confusion_matrix"],
    }


def format_report(report: dict) -> str:
    """Plain-text table of the report, for people."""
    lines = [
        f"model {report['model']}: {report['n']} images",
        f"accuracy {report['accuracy']:.4f}  macro F1 {report['macro_f1']:.4f}",
        "",
        f"{'class':<14}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}",
    ]
    for label, scores in report["per_class"].items():
        lines.append(
            f"{label:<14}{scores['precision']:>10.3f}{scores['recall']:>10.3f}"
            f"{scores['f1']:>10.3f}{scores['support']:>10d}"
        )
    lines += ["", "confusion matrix (rows = true, columns = predicted, in the order above):"]
    lines += [
        "  " + " ".join(f"{count:>5d}" for count in row) for row in report["confusion_matrix"]
    ]
    return "\n".join(lines)
