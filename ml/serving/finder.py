"""Every upload through the cell finder: one cell, a field of cells, or no blood cells at all.

    route = route_image(PIL.Image.open(path), load_detector("fields"))
    route.kind            # "cell", "field" or "none"
    route.inputs          # what the classifier sees: (image,) for a cell, a crop per WBC of a field
    route.classified      # the found cell each input shows (a field's WBCs, in input order)
    route.cells, route.counts, route.reason
    classify_route(route, classifier)   # each found cell, the classified ones with their label

The rule (figures and the command that measures them: docs/ml/decisions.md, "Routing uploads"):

- none: the image is too small to hold a cell, is out of focus (the variance of its Laplacian at
  SHARPNESS_SIDE is below MIN_SHARPNESS), or the detector finds fewer than MIN_CELLS cells,
  or fewer than MANY_CELLS with none scoring MIN_PEAK, and no white cell scoring MIN_PEAK at
  the centre of a square frame: a typed page, a blank or badly focused frame; or the cells it
  finds do not look stained (ml/serving/stain.py: grey, brown or blue objects in a photograph).
- cell: a single-cell image as analysers and cell crops frame one: a square frame (sides within
  SQUARE_RATIO) centred on a white cell (the found WBC nearest the centre lies within
  CENTRE_SHARE of the sides from the centre) or with no white cell at all (a PBC platelet image).
  The classifier sees the whole image, as it always has: PBC's test accuracy is unchanged, while a
  WBC crop scaled to the cell loses the size that tells a lymphocyte from a monocyte.
- field: anything else with cells, e.g. a camera's 4:3 frame: each WBC is cropped centred, scaled
  so that it fills the detector bundle's `wbc_crop.fill_share` of the crop (ml/serving/wbc_crop.py).

Every decision reads the cells as a lab counts them: a white cell mostly outside the frame is
neither counted nor classified (`Detector.counted`).
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

from ml.serving.detector import LABELS, Cell, Detector
from ml.serving.stain import looks_stained
from ml.serving.wbc_crop import ClassifiedCell, crop_cell

CELL, FIELD, NONE = "cell", "field", "none"
TOO_SMALL, OUT_OF_FOCUS, NO_CELLS = "too_small", "out_of_focus", "no_cells"
MIN_SIDE = 64  # pixels: smaller images (icons, thumbnails) cannot show a cell's structure
SHARPNESS_SIDE = 384  # pixels, longer side: the scale MIN_SHARPNESS below was measured at
# Laplacian variance: PBC's faintest platelet images measure 2.8; smear images blurred with a
# Gaussian of sigma 5 px or more (at 640 px wide) measure 2.4 or less.
MIN_SHARPNESS = 2.5
# A smear shows cells, one of them found with confidence, or many: every measured smear image
# shows 3 or more with the strongest at 0.53 or more, or (one BCCD field, 0.44) 13 cells; photos,
# pages and screenshots raised at most 4 false cells, the strongest at 0.43 (0.60 with only 2).
MIN_CELLS = 3
MIN_PEAK = 0.5
MANY_CELLS = 10
SQUARE_RATIO = 1.2  # analysers' single-cell frames are square (PBC 360x363); camera frames 4:3
CENTRE_SHARE = 0.15  # PBC's WBC lies within 0.06 of the sides from the centre in 95 % of images


@dataclass(frozen=True)
class Route:
    """How one image goes to the classifier."""

    kind: str
    cells: tuple[Cell, ...] = ()
    inputs: tuple[Image.Image, ...] = ()
    classified: tuple[Cell | None, ...] = ()
    reason: str = ""

    @property
    def counts(self) -> dict[str, int]:
        return {label: sum(cell.kind == label for cell in self.cells) for label in LABELS}


def sharpness(image: Image.Image) -> float:
    """Variance of the Laplacian of the grey image scaled to SHARPNESS_SIDE on its longer side."""
    scale = SHARPNESS_SIDE / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    grey = np.asarray(image.convert("L").resize(size, Image.Resampling.BILINEAR), np.float32)
    return float(ndimage.laplace(grey).var())


def centre_offset(cell: Cell, size: tuple[int, int]) -> float:
    """How far a cell's centre lies from the image's, as a share of the image's sides."""
    (x, y), (width, height) = cell.centre, size
    return max(abs(x - width / 2) / width, abs(y - height / 2) / height)


def frame_reason(image: Image.Image) -> str:
    """Why the frame itself cannot show blood cells: too small or out of focus ("" if it can)."""
    if min(image.size) < MIN_SIDE:
        return TOO_SMALL
    if sharpness(image) < MIN_SHARPNESS:
        return OUT_OF_FOCUS
    return ""


def shows_blood(cells: list[Cell]) -> bool:
    """Enough cells, one found with confidence or many: a smear, not a photo's false cells."""
    if len(cells) < MIN_CELLS:
        return False
    return len(cells) >= MANY_CELLS or max(cell.score for cell in cells) >= MIN_PEAK


def centred_cell(image_size: tuple[int, int], cells: list[Cell]) -> tuple[bool, Cell | None]:
    """(is a single-cell frame, the WBC it is centred on or None) for a frame with cells."""
    width, height = image_size
    if max(width, height) > SQUARE_RATIO * min(width, height):
        return False, None
    wbcs = [cell for cell in cells if cell.kind == "wbc"]
    if not wbcs:
        return True, None
    nearest = min(wbcs, key=lambda cell: centre_offset(cell, image_size))
    return centre_offset(nearest, image_size) <= CENTRE_SHARE, nearest


def route_image(image: Image.Image, detector: Detector, fill_share: float | None = None) -> Route:
    """Find the cells of an opened image and decide what the classifier sees.

    `fill_share` (the share of a WBC crop the cell fills) defaults to the detector bundle's
    wbc_crop.fill_share. The image is left as it is (RGB conversion happens on copies).
    """
    reason = frame_reason(image)
    if reason:
        return Route(NONE, reason=reason)
    cells = detector.counted(detector.find_cells(image), image.size)
    single, centre = centred_cell(image.size, cells)
    # A single-cell frame centred on a white cell found with confidence needs no other cells
    # around it (PBC images whose red cells are too faint to find).
    lone_cell = single and centre is not None and centre.score >= MIN_PEAK
    if not (lone_cell or shows_blood(cells)) or not looks_stained(image, cells):
        return Route(NONE, tuple(cells), reason=NO_CELLS)
    if single:
        return Route(CELL, tuple(cells), (image,), (centre,))
    if fill_share is None:
        fill_share = float(detector.metadata["wbc_crop"]["fill_share"])
    wbcs = tuple(cell for cell in cells if cell.kind == "wbc")
    crops = tuple(crop_cell(image, cell.box, fill_share) for cell in wbcs)
    return Route(FIELD, tuple(cells), crops, wbcs)


def classify_route(route: Route, classifier) -> list[ClassifiedCell]:
    """ClassifiedCell per cell the finder found, labelled as the portal labels them: by what the
    route shows the classifier (the whole image for a single cell, each WBC's crop in a field),
    in one batch. A route with no blood cells has no cells."""
    predictions = {}
    if classifier is not None and route.inputs:
        found = zip(route.classified, classifier.predict(list(route.inputs)), strict=True)
        predictions = {cell: prediction for cell, prediction in found if cell is not None}
    threshold = getattr(classifier, "confidence_threshold", 0.0)
    results = []
    for cell in route.cells if route.kind != NONE else ():
        prediction = predictions.get(cell)
        if prediction is None:
            results.append(ClassifiedCell(cell))
        else:
            unidentified = prediction.confidence < threshold
            results.append(
                ClassifiedCell(cell, prediction.label, prediction.confidence, unidentified)
            )
    return results
