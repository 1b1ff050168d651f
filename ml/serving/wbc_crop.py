"""A field's white cells, cropped as the classifier's training images frame a cell.

PBC's CellaVision images (what pbc8 learnt from, and what cell_crop's framing imitates) are
centred on one white cell that fills a fixed share of the image's side. The detector bundle
records that share, measured on PBC originals with boxes (bundle.json "wbc_crop":
"fill_share" = mean WBC box side / image side). A found WBC is cropped as a square centred on its
box, with side = box side / fill_share, from the full-resolution image (filled with the field's
mean colour where the square leaves it), and resized to CROP_SIDE, PBC's own size.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image

from ml.serving.detector import Cell

CROP_SIDE = 360  # PBC's originals are 360x363


@dataclass(frozen=True)
class ClassifiedCell:
    """A found cell and, for a WBC the classifier classified, its label."""

    cell: Cell
    label: str | None = None
    confidence: float | None = None
    unidentified: bool | None = None

    def as_dict(self) -> dict:
        return {
            "kind": self.cell.kind,
            "box": list(self.cell.box),
            "score": round(self.cell.score, 4),
            "label": self.label,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "unidentified": self.unidentified,
        }


def crop_cell(image: Image.Image, box, fill_share: float, side: int = CROP_SIDE) -> Image.Image:
    """A side x side RGB crop centred on `box` (x0 y0 x1 y1) where the box fills `fill_share`."""
    image = image.convert("RGB")
    centre_x, centre_y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    window = max(box[2] - box[0], box[3] - box[1], 1.0) / fill_share
    left, top = centre_x - window / 2, centre_y - window / 2
    fill = tuple(int(v) for v in np.asarray(image).reshape(-1, 3).mean(axis=0))
    scale = side / window
    matrix = (1 / scale, 0, left, 0, 1 / scale, top)
    return image.transform(
        (side, side), Image.Transform.AFFINE, matrix, Image.Resampling.BILINEAR, fillcolor=fill
    )
