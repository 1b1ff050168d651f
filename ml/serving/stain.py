"""Whether the cells found in a frame look stained, as the cells of a blood smear do.

Romanowsky stains (Wright, Giemsa, May-Grünwald-Giemsa, Leishman) colour red cells with eosin
and nuclei purple, and both absorb green light more than red or blue. Measured against the
frame's own unstained background, which divides out the camera's white balance and exposure,
a stained cell's optical density is therefore highest in green. The cells the detector raises
in a photograph of something else are grey (coins, a chessboard, a grey photograph: the three
densities equal), brown or orange (wood, coffee, a cat: blue absorbed most) or blue (red
absorbed most).

`looks_stained` asks that the most green-absorbing tenth of the found cells clear
MIN_GREEN_MARGIN: over every image of PBC, BCCD, Raabin-WBC and Kaggle's TEST the 90th
percentile of the margin is at least 0.043 (a field whose red cells stain orange passes on its
purple nuclei), while 20 of 30 sample photographs measure 0 or less (research/smear_check).
"""

import numpy as np
from PIL import Image

from ml.serving.detector import Cell

STAIN_SIDE = 128  # pixels, longer side (about): the scale the margins are measured at
BACKGROUND_SHARE = 0.2  # the brightest fifth of the frame's pixels is its unstained background
STAINED_QUANTILE = 90  # percentile of the cells' green margins that must clear MIN_GREEN_MARGIN
MIN_GREEN_MARGIN = 0.02  # above grey objects' 0 and JPEG noise; smears measure 0.04 and more


def green_margins(image: Image.Image, cells: list[Cell]) -> np.ndarray:
    """Per cell, how much more green than red or blue its centre absorbs, relative to green:
    (OD_green - max(OD_red, OD_blue)) / OD_green, with OD = log(background / cell)."""
    # An integer reduction (a box filter) to about STAIN_SIDE pixels: cheaper than a resize.
    factor = max(1, round(max(image.size) / STAIN_SIDE))
    pixels = np.asarray(image.convert("RGB").reduce(factor), np.float32) + 1.0
    scale = 1 / factor
    brightness = pixels.sum(axis=-1)
    background = np.median(pixels[brightness >= np.quantile(brightness, 1 - BACKGROUND_SHARE)], 0)
    height, width = pixels.shape[:2]
    means = np.empty((len(cells), 3))
    for index, cell in enumerate(cells):
        # The central half of the box: the cell itself, not the background around it.
        x0, y0, x1, y1 = (value * scale for value in cell.box)
        (x, y), half_w, half_h = ((x0 + x1) / 2, (y0 + y1) / 2), (x1 - x0) / 4, (y1 - y0) / 4
        left = min(width - 1, max(0, int(x - half_w)))
        top = min(height - 1, max(0, int(y - half_h)))
        right, bottom = max(left + 1, int(x + half_w) + 1), max(top + 1, int(y + half_h) + 1)
        means[index] = pixels[top:bottom, left:right].reshape(-1, 3).mean(axis=0)
    density = np.log(background / means)  # (cells, 3): red, green, blue
    green = density[:, 1]
    return (green - np.maximum(density[:, 0], density[:, 2])) / np.maximum(np.abs(green), 1e-3)


def looks_stained(image: Image.Image, cells: list[Cell]) -> bool:
    """The most green-absorbing tenth of the found cells absorbs green most, by a margin, as
    stained blood cells do (no cells: not stained)."""
    margins = green_margins(image, cells)
    return len(margins) > 0 and np.percentile(margins, STAINED_QUANTILE) > MIN_GREEN_MARGIN
