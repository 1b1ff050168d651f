"""Classification metrics shared by training (metrics.json) and `python -m ml evaluate`.

Pure numpy, so that serving and evaluation never need scikit-learn or TensorFlow.
A class with no support or no predictions scores 0, never NaN, so that the JSON stays valid.
"""

from collections.abc import Sequence

import numpy as np


def confusion_matrix(y_true: Sequence, y_pred: Sequence, labels: Sequence[str]) -> np.ndarray:
    """Counts with rows = true label and columns = predicted label, in the order of `labels`."""
    index = {label: i for i, label in enumerate(labels)}
    unknown = sorted({str(y) for y in [*y_true, *y_pred] if y not in index})
    if unknown:
        raise ValueError(f"labels not in {list(labels)}: {unknown}")
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} items but y_pred has {len(y_pred)}")
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for true, pred in zip(y_true, y_pred, strict=True):
        matrix[index[true], index[pred]] += 1
    return matrix


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    # 0/0 happens for a class that was never predicted or never present; score it 0.
    numerator = numerator.astype(np.float64)
    denominator = denominator.astype(np.float64)
    out = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def classification_metrics(y_true: Sequence, y_pred: Sequence, labels: Sequence[str]) -> dict:
    """Accuracy, macro F1 (over all `labels`), per-class scores and the confusion matrix.

    `y_true` and `y_pred` hold label names (or anything hashable that is in `labels`).
    """
    labels = list(labels)
    matrix = confusion_matrix(y_true, y_pred, labels)
    true_positives = np.diag(matrix)
    support = matrix.sum(axis=1)
    predicted = matrix.sum(axis=0)
    precision = _safe_divide(true_positives, predicted)
    recall = _safe_divide(true_positives, support)
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    total = int(matrix.sum())
    per_class = {
        str(label): {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, label in enumerate(labels)
    }
    return {
        "accuracy": float(true_positives.sum() / total) if total else 0.0,
        "macro_f1": float(f1.mean()) if labels else 0.0,
        "per_class": per_class,
        "confusion_matrix": matrix.tolist(),
    }


def expected_calibration_error(probs: np.ndarray, y_true: Sequence[int], n_bins: int = 15) -> float:
    """ECE: the sample-weighted gap between confidence and accuracy over equal-width bins.

    `probs` is (n, classes) of probabilities; `y_true` holds integer class indices.
    """
    probs = np.asarray(probs, dtype=np.float64)
    y_true = np.asarray(y_true)
    if probs.ndim != 2 or len(probs) != len(y_true):
        raise ValueError(
            f"probs must be (n, classes) matching {len(y_true)} labels, got {probs.shape}"
        )
    if len(probs) == 0:
        return 0.0
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == y_true).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # Bins are (low, high]; a confidence of exactly 0 joins the first bin.
    bin_index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    error = 0.0
    for b in range(n_bins):
        in_bin = bin_index == b
        if in_bin.any():
            gap = abs(confidence[in_bin].mean() - correct[in_bin].mean())
            error += in_bin.mean() * gap
    return float(error)
