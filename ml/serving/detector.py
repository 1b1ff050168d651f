"""The cell finder: a detector bundle's TFLite model, and its heatmaps decoded into cells.

Never imports TensorFlow (LiteRT runs the model). Usage:

    detector = load_detector("fields")            # an alias, a shipped name or a bundle directory
    cells = detector.find_cells(PIL.Image.open(path))
    [(cell.kind, cell.box, cell.score) for cell in cells]   # box: x0 y0 x1 y1, original pixels

The model (ml/training/fields/model.py) takes a letterboxed field (ml/serving/field_image.py) and
returns, at stride 4, three class heatmaps, each cell's width and height, and its centre's offset.
A cell is a heatmap peak (the maximum of its 3x3 neighbourhood) at or above its class's score
threshold, which bundle.json holds (chosen on the validation split). A big white cell can raise
two peaks a few output cells apart, so a peak whose centre lies within DUPLICATE_SHARE of a
stronger same-kind cell's smaller side from that cell's centre is dropped (two cells' centres are
never that close: touching red cells are about one side apart).

The detector finds every cell, slivers cut by the field's edge included (the labels box them, and
`fields evaluate` scores them). Counting is another matter: `Detector.counted` leaves out a white
cell with more than `edge_cut_max` (bundle.json) of its diameter outside the field, as a lab
skips one (it cannot be classified from a sliver, and the neighbouring field holds it); the
route (ml/serving/finder.py) counts and classifies what it keeps. The cut is read from the box as
from a round cell's chord: depth d inside the field, chord L along the edge, diameter L when
d >= L/2, else d + L^2 / 4d. A bundle without `edge_cut_max` counts every cell.
"""

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ml.serving.bundle import BundleError, read_bundle_metadata, resolve_bundle
from ml.serving.classifier import DEFAULT_NUM_THREADS, MODEL_FILE, _interpreter_class
from ml.serving.field_image import Letterbox, field_input, open_field

KIND = "detector"
DEFAULT_DETECTOR = "fields"
LABELS = ("wbc", "rbc", "platelet")
RESIZE_RULE = "letterbox"
DUPLICATE_SHARE = 0.25


@dataclass(frozen=True)
class Cell:
    """One found cell: its kind (wbc, rbc, platelet), box in original pixels, and peak score."""

    kind: str
    box: tuple[float, float, float, float]
    score: float

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)


def local_peaks(heatmaps: np.ndarray) -> np.ndarray:
    """Boolean (h, w, c): where a heatmap equals the maximum of its 3x3 neighbourhood."""
    padded = np.pad(heatmaps, ((1, 1), (1, 1), (0, 0)), constant_values=-np.inf)
    height, width = heatmaps.shape[:2]
    neighbourhood = np.max(
        [padded[dy : dy + height, dx : dx + width] for dy in range(3) for dx in range(3)], axis=0
    )
    return heatmaps >= neighbourhood


def edge_cut_share(box, size: tuple[int, int], tolerance: float = 2.0) -> float:
    """The share of a round cell's diameter outside the image, from its box (0 when the box
    touches no edge; at a corner the shorter side is the depth)."""
    width, height = size
    x0, y0, x1, y1 = box
    box_w, box_h = x1 - x0, y1 - y0
    sideways = x0 <= tolerance or x1 >= width - tolerance
    vertical = y0 <= tolerance or y1 >= height - tolerance
    if not (sideways or vertical):
        return 0.0
    if sideways and vertical:
        depth, chord = min(box_w, box_h), max(box_w, box_h)
    else:
        depth, chord = (box_w, box_h) if sideways else (box_h, box_w)
    if depth <= 0:
        return 1.0
    diameter = chord if depth >= chord / 2 else depth + chord * chord / (4 * depth)
    return max(0.0, 1.0 - depth / diameter)


def decode_cells(
    output: np.ndarray,
    thresholds: np.ndarray,
    stride: int,
    letterbox: Letterbox,
) -> list[Cell]:
    """Cells from one model output (h, w, 3 + 2 + 2), highest score first."""
    heatmaps = output[..., : len(LABELS)]
    ys, xs, kinds = np.nonzero(local_peaks(heatmaps) & (heatmaps >= thresholds))
    scores = heatmaps[ys, xs, kinds]
    sizes = np.maximum(output[ys, xs, 3:5], 0) * stride
    centres = (np.stack([xs, ys], axis=1) + output[ys, xs, 5:7]) * stride
    boxes = letterbox.to_original(np.c_[centres - sizes / 2, centres + sizes / 2])
    order = np.argsort(-scores, kind="stable")
    kept = drop_duplicates(centres[order], sizes[order], kinds[order])
    return [
        Cell(LABELS[kinds[i]], tuple(round(float(v), 1) for v in boxes[i]), float(scores[i]))
        for i in order[kept]
    ]


def drop_duplicates(centres: np.ndarray, sizes: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Indices of the peaks (sorted strongest first) that are not a stronger cell's echo."""
    kept: list[int] = []
    for index in range(len(centres)):
        stronger = [k for k in kept if kinds[k] == kinds[index]]
        if stronger:
            distance = np.abs(centres[stronger] - centres[index]).max(axis=1)
            if np.any(distance < DUPLICATE_SHARE * sizes[stronger].min(axis=1)):
                continue
        kept.append(index)
    return np.array(kept, dtype=np.int64)


class Detector:
    """A loaded detector bundle: metadata and one LiteRT interpreter, calls serialised."""

    def __init__(self, bundle_dir: Path, metadata: dict, num_threads: int | None = None):
        self.bundle_dir, self.metadata = Path(bundle_dir), metadata
        self.name: str = metadata["name"]
        self.input_size = tuple(int(v) for v in metadata["input"]["size"])  # (width, height)
        self.stride = int(metadata["stride"])
        self.thresholds = np.array([metadata["score_thresholds"][k] for k in LABELS], np.float32)
        edge_cut_max = metadata.get("edge_cut_max")
        self.edge_cut_max = None if edge_cut_max is None else float(edge_cut_max)
        interpreter_class, self.runtime = _interpreter_class()
        self._interpreter = interpreter_class(
            model_path=str(self.bundle_dir / MODEL_FILE),
            num_threads=num_threads or DEFAULT_NUM_THREADS,
        )
        self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        expected = [1, self.input_size[1], self.input_size[0], 3]
        if list(self._input["shape"]) != expected:
            raise BundleError(
                f"{self.bundle_dir}: model input {self._input['shape']} is not {expected}"
            )
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Detector {self.name} {list(LABELS)} from {self.bundle_dir}>"

    def raw_output(self, pixels: np.ndarray) -> np.ndarray:
        """The model's (h/stride, w/stride, 7) output for one letterboxed float32 field."""
        with self._lock:
            self._interpreter.set_tensor(self._input["index"], np.asarray(pixels[None], np.float32))
            self._interpreter.invoke()
            return self._interpreter.get_tensor(self._output["index"])[0].copy()

    def find_cells(self, image: Image.Image | str | os.PathLike) -> list[Cell]:
        """Every WBC, RBC and platelet found in an opened image (left as it is) or an image file
        (decoded at a reduced size: faster), highest score first; edge slivers included."""
        if isinstance(image, Image.Image):
            pixels, letterbox = field_input(image, self.input_size)
        else:
            pixels, letterbox = open_field(image, self.input_size)
        output = self.raw_output(pixels)
        return decode_cells(output, self.thresholds, self.stride, letterbox)

    def counted(self, cells: list[Cell], size: tuple[int, int]) -> list[Cell]:
        """`cells` of a field of `size` as a lab counts them: white cells cut by its edge by more
        than the bundle's edge_cut_max of their diameter left out (no edge_cut_max: every cell)."""
        if self.edge_cut_max is None:
            return list(cells)
        return [
            cell
            for cell in cells
            if cell.kind != "wbc" or edge_cut_share(cell.box, size) <= self.edge_cut_max
        ]


def _check_detector_metadata(bundle_dir: Path, metadata: dict) -> None:
    if metadata.get("kind") != KIND:
        raise BundleError(f"{bundle_dir} is not a cell detector (kind {metadata.get('kind')!r})")
    if list(metadata["labels"]) != list(LABELS):
        raise BundleError(f"{bundle_dir}: a detector's labels must be {list(LABELS)}")
    if metadata["input"]["resize"] != RESIZE_RULE or metadata["input"]["scaling"] != "raw_0_255":
        raise BundleError(f"{bundle_dir}: input must be letterboxed raw_0_255 RGB")
    thresholds = metadata.get("score_thresholds", {})
    if "stride" not in metadata or any(label not in thresholds for label in LABELS):
        raise BundleError(f"{bundle_dir}: bundle.json needs stride and score_thresholds per label")
    edge_cut_max = metadata.get("edge_cut_max")
    if edge_cut_max is not None and not (
        isinstance(edge_cut_max, int | float) and 0 <= edge_cut_max <= 1
    ):
        raise BundleError(f"{bundle_dir}: edge_cut_max must be a share between 0 and 1")


def load_detector(
    name_or_path: str | os.PathLike = DEFAULT_DETECTOR, num_threads: int | None = None
) -> Detector:
    """Load a detector bundle; raises BundleError when it is missing, corrupt or not a detector."""
    bundle_dir = resolve_bundle(name_or_path)
    metadata = read_bundle_metadata(bundle_dir, verify_files=(MODEL_FILE,))
    _check_detector_metadata(bundle_dir, metadata)
    try:
        return Detector(bundle_dir, metadata, num_threads=num_threads)
    except (ValueError, RuntimeError) as error:
        raise BundleError(f"{bundle_dir / MODEL_FILE} cannot be loaded: {error}") from error


_shared: dict[str, Detector] = {}


def find_cells(
    image: Image.Image | str | os.PathLike, detector: str = DEFAULT_DETECTOR
) -> list[Cell]:
    """The portal's one call: cells of an image (or file) with a detector loaded once per
    process."""
    if detector not in _shared:
        _shared[detector] = load_detector(detector)
    return _shared[detector].find_cells(image)
