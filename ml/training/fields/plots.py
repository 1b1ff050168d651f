"""The detector bundle's pictures: loss curves, and a field with its found and true boxes."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from ml.training.fields.data import Field, read_yolo_labels  # noqa: E402

COLOURS = {"wbc": "tab:blue", "rbc": "tab:red", "platelet": "tab:green"}
TRUE_KINDS = ("wbc", "rbc", "platelet")


def plot_detector_curves(history: dict, path: Path, stage_boundary: int) -> None:
    """Training and validation loss per epoch; a dotted line where fine-tuning began."""
    figure, axis = plt.subplots(figsize=(6, 4))
    for key, style, label in (("loss", "-", "train"), ("val_loss", "--", "validation")):
        values = history.get(key, [])
        axis.plot(np.arange(1, len(values) + 1), values, style, marker=".", label=label)
    axis.axvline(stage_boundary + 0.5, color="grey", linestyle=":", label="fine-tuning")
    axis.set(xlabel="epoch", ylabel="CenterNet loss", title="detector loss")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def draw_boxes(axis, boxes, kinds, style: str) -> None:
    for box, kind in zip(boxes, kinds, strict=True):
        x0, y0, x1, y1 = box
        axis.add_patch(
            plt.Rectangle(
                (x0, y0),
                x1 - x0,
                y1 - y0,
                fill=False,
                linestyle=style,
                edgecolor=COLOURS[kind],
                linewidth=1.2,
            )
        )


def plot_field_boxes(detector, field: Field, path: Path) -> None:
    """The field with found cells (solid) and true boxes (dotted), a colour per kind."""
    with Image.open(field.image) as image:
        cells = detector.find_cells(image)
        pixels = np.asarray(image.convert("RGB"))
        size = image.size
    true_boxes, true_classes = read_yolo_labels(field.labels, size)
    figure, axis = plt.subplots(figsize=(6.4, 6.4 * size[1] / size[0]))
    axis.imshow(pixels)
    draw_boxes(axis, [c.box for c in cells], [c.kind for c in cells], "-")
    draw_boxes(axis, true_boxes, [TRUE_KINDS[k] for k in true_classes], ":")
    counts = {kind: sum(c.kind == kind for c in cells) for kind in COLOURS}
    axis.set_title(f"{field.image.name}: found {counts} (solid); true boxes dotted", fontsize=8)
    axis.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)
