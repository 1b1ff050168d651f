"""Frame the stained cell the same way in every lab: find it, then crop a square scaled to it.

Labs frame single-cell images differently: PBC's CellaVision images are centred on the cell, while
the Kaggle/BCCD images are 320x240 fields with the white cell anywhere in them and red cells all
round. A model trained on one framing sees the other as a new domain. The crop rule here gives
both the same framing, at training and at serving, with numpy and scipy only (no TensorFlow):

1. On a small copy of the image, score each pixel by blue minus green. Giemsa-type stains make
   nuclei, granules and platelets violet (high blue, low green); red cells, background and
   black rotation borders score low.
2. Threshold the score (Otsu, never below MIN_SCORE), close small gaps so that the lobes of a
   neutrophil's nucleus join, and keep the connected blob with the most stain.
3. Crop a square centred on that blob, CROP_FACTOR times its larger side (at least MIN_SIDE of the
   image's shorter side), kept inside the image where it fits, then resize to the model's size.

Images with no stained blob (a blank field, a photograph of something else) fall back to the
whole image, stretched as before.

A second rule, "cell_field", keeps step 1-2's locator but cuts a square of a fixed share of the
image's shorter side around the cell, so that a cell keeps its true size against the field
(a crop scaled to the cell makes a lymphocyte and a monocyte the same size).
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

CROP_RULE = "cell_crop"
FIELD_RULE = "cell_field"
# A red cell is ~0.19 of the shorter side in both labs' files (43 px in PBC's 224 px crops and in
# Kaggle's 320x240 fields), so a window that is a fixed share of the shorter side is a fixed field
# of view: it keeps a cell's true size (a monocyte is bigger than a lymphocyte), which the crop
# scaled to the cell throws away, and it does not change when the whole file is resized.
FIELD_SHARE = 0.7
WORK_SIDE = 128  # the locator runs on a copy this many pixels on its longer side
MIN_SCORE = 25.0  # blue - green below this is never stain, whatever Otsu says
CROP_FACTOR = 2.0
MIN_SIDE = 0.35  # of the image's shorter side: platelets alone would otherwise zoom far in
MIN_BLOB = 0.002  # of the work image's area: smaller blobs are noise


@dataclass(frozen=True)
class CellBox:
    """A square crop in the original image's pixel coordinates."""

    left: float
    top: float
    side: float

    def as_box(self) -> tuple[float, float, float, float]:
        return (self.left, self.top, self.left + self.side, self.top + self.side)


def stain_score(rgb: np.ndarray) -> np.ndarray:
    """Blue minus green per pixel, float32."""
    rgb = rgb.astype(np.float32)
    return rgb[..., 2] - rgb[..., 1]


def otsu_threshold(values: np.ndarray) -> float:
    """Otsu's threshold of a 1-D sample (256 bins over its range)."""
    histogram, edges = np.histogram(values, bins=256)
    centres = (edges[:-1] + edges[1:]) / 2
    weight_low = np.cumsum(histogram)
    weight_high = weight_low[-1] - weight_low
    sum_low = np.cumsum(histogram * centres)
    mean_low = sum_low / np.maximum(weight_low, 1)
    mean_high = (sum_low[-1] - sum_low) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    return float(centres[int(np.argmax(between))])


def locate_cell(image: Image.Image) -> CellBox | None:
    """The crop square around the most-stained blob, or None when nothing looks stained."""
    scale = WORK_SIDE / max(image.size)
    work_size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    small = np.asarray(image.convert("RGB").resize(work_size, Image.Resampling.BILINEAR))
    score = stain_score(small)
    threshold = max(MIN_SCORE, otsu_threshold(score.ravel()))
    mask = score > threshold
    if not mask.any():
        return None
    # Join the lobes of one nucleus, not neighbouring cells: gaps up to ~3 % of the image.
    joined = ndimage.binary_closing(mask, structure=np.ones((5, 5)), iterations=1)
    labels, count = ndimage.label(joined)
    if count == 0:
        return None
    stain = ndimage.sum(np.where(mask, score - threshold, 0), labels, range(1, count + 1))
    best = int(np.argmax(stain)) + 1
    blob = labels == best
    if blob.sum() < MIN_BLOB * blob.size:
        return None
    rows, columns = np.nonzero(blob)
    top, bottom = rows.min(), rows.max() + 1
    left, right = columns.min(), columns.max() + 1
    centre_x = (left + right) / 2 / scale
    centre_y = (top + bottom) / 2 / scale
    extent = max(bottom - top, right - left) / scale
    side = max(CROP_FACTOR * extent, MIN_SIDE * min(image.size))
    side = min(side, max(image.size))
    return CellBox(
        left=_inside(centre_x - side / 2, side, image.width),
        top=_inside(centre_y - side / 2, side, image.height),
        side=side,
    )


def _inside(start: float, side: float, length: int) -> float:
    """Shift a window to lie within [0, length] when it fits; centre it on the image otherwise."""
    if side >= length:
        return (length - side) / 2
    return min(max(start, 0.0), length - side)


def cell_region(image: Image.Image) -> Image.Image:
    """The part of the image that crop_to_cell shows the model, at the image's own resolution
    (for drawing explanations on what the model saw); the whole image when no cell is found."""
    box = locate_cell(image)
    if box is None:
        return image
    return image.crop(tuple(round(value) for value in box.as_box()))


def crop_to_cell(image: Image.Image, size: int) -> np.ndarray:
    """uint8 (size, size, 3): the cell-centred square resized to size (whole image if none)."""
    rgb = image.convert("RGB")
    box = locate_cell(rgb)
    if box is None:
        resized = rgb.resize((size, size), Image.Resampling.BILINEAR)
    elif box.side <= min(rgb.size):
        resized = rgb.resize((size, size), Image.Resampling.BILINEAR, box=box.as_box())
    else:
        # Wider than the image: Pillow's crop fills the outside with black, as rotated fields do.
        square = rgb.crop(tuple(round(value) for value in box.as_box()))
        resized = square.resize((size, size), Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.uint8)


def locate_field(image: Image.Image) -> CellBox:
    """The square of FIELD_SHARE of the shorter side centred on the stained cell (on the image
    when none is found); it always fits inside the image."""
    side = FIELD_SHARE * min(image.size)
    box = locate_cell(image)
    if box is None:
        centre_x, centre_y = image.width / 2, image.height / 2
    else:
        centre_x, centre_y = box.left + box.side / 2, box.top + box.side / 2
    return CellBox(
        left=_inside(centre_x - side / 2, side, image.width),
        top=_inside(centre_y - side / 2, side, image.height),
        side=side,
    )


def field_region(image: Image.Image) -> Image.Image:
    """The part of the image that crop_field shows the model, at the image's own resolution."""
    return image.crop(tuple(round(value) for value in locate_field(image).as_box()))


def crop_field(image: Image.Image, size: int) -> np.ndarray:
    """uint8 (size, size, 3): the field around the stained cell resized to size."""
    field = field_region(image.convert("RGB"))
    return np.asarray(field.resize((size, size), Image.Resampling.BILINEAR), dtype=np.uint8)
