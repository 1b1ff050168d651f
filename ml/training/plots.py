"""Training curves and confusion-matrix figures (matplotlib, Agg backend, PNG files)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402


def plot_curves(history: dict[str, list[float]], path: Path, stage_boundary: int | None = None):
    """Loss and accuracy per epoch, train and validation; a dotted line where fine-tuning began."""
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    epochs = np.arange(1, len(history.get("loss", [])) + 1)
    for axis, metric in zip(axes, ("loss", "accuracy"), strict=True):
        for prefix, style in (("", "-"), ("val_", "--")):
            values = history.get(prefix + metric, [])
            if values:
                label = "validation" if prefix else "train"
                axis.plot(epochs[: len(values)], values, style, marker="o", label=label)
        if stage_boundary:
            axis.axvline(stage_boundary + 0.5, color="grey", linestyle=":", label="fine-tuning")
        axis.set_xlabel("epoch")
        axis.set_title(metric)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def plot_confusion_matrix(matrix: list[list[int]], labels: list[str], path: Path, title: str):
    """Counts with rows = true class, columns = predicted class; cells shaded by row share."""
    matrix = np.asarray(matrix)
    row_share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = 1.0 + 0.7 * len(labels)
    figure, axis = plt.subplots(figsize=(size + 1.5, size))
    image = axis.imshow(row_share, cmap="Blues", vmin=0, vmax=1)
    axis.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    axis.set_yticks(range(len(labels)), labels)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title(title)
    for row in range(len(labels)):
        for column in range(len(labels)):
            colour = "white" if row_share[row, column] > 0.5 else "black"
            axis.text(column, row, str(matrix[row, column]), ha="center", va="center", color=colour)
    figure.colorbar(image, ax=axis, fraction=0.046, label="share of true class")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
