"""Scoring a detector on labelled fields (a folder with images/ and labels/, or the split).

    evaluate_detector(detector, fields) -> {"n_images", "per_class", "ms_per_image_p50", ...}

Timing covers what serving does per image: open, decode (reduced), letterbox, run, decode cells,
on the detector's thread count. Score thresholds are chosen on validation fields from the
model's raw outputs (choose_thresholds), never on a test split. No TensorFlow here.
"""

import time

import numpy as np

from ml.serving.detector import LABELS, decode_cells
from ml.serving.field_image import open_field
from ml.training.fields.data import Field, read_yolo_labels
from ml.training.fields.metrics import FieldScorer

THRESHOLD_GRID = np.round(np.arange(0.1, 0.75, 0.025), 3)


def run_fields(detector, fields: list[Field]) -> tuple[list, list[float]]:
    """([(raw output, letterbox, true boxes, true classes)], milliseconds per image)."""
    records, times = [], []
    for field in fields:
        start = time.perf_counter()
        pixels, letterbox = open_field(field.image, detector.input_size)
        output = detector.raw_output(pixels)
        decode_cells(output, detector.thresholds, detector.stride, letterbox)
        times.append((time.perf_counter() - start) * 1000)
        boxes, classes = read_yolo_labels(field.labels, letterbox.size)
        records.append((output, letterbox, boxes, classes))
    return records, times


def score_records(records: list, thresholds, stride: int) -> FieldScorer:
    scorer = FieldScorer()
    for output, letterbox, true_boxes, true_classes in records:
        cells = decode_cells(output, np.asarray(thresholds, np.float32), stride, letterbox)
        scorer.add(
            [cell.box for cell in cells],
            [cell.kind for cell in cells],
            [cell.score for cell in cells],
            true_boxes,
            true_classes,
        )
    return scorer


def choose_thresholds(records: list, stride: int) -> dict[str, float]:
    """Per class, the grid threshold with the best F1 on these (validation) records."""
    chosen = {}
    for index, label in enumerate(LABELS):
        best = (-1.0, 0.0)
        for threshold in THRESHOLD_GRID:
            thresholds = np.full(len(LABELS), 2.0)  # other classes off
            thresholds[index] = threshold
            f1 = score_records(records, thresholds, stride).per_class()[label]["f1"]
            best = max(best, (f1, -threshold))
        chosen[label] = float(-best[1])
    return chosen


def evaluate_detector(detector, fields: list[Field], ap: bool = False) -> dict:
    """The `fields evaluate` figures for labelled fields; with `ap`, AP@0.5 per class too."""
    records, times = run_fields(detector, fields)
    scorer = score_records(records, detector.thresholds, detector.stride)
    result = {
        "n_images": scorer.n_images,
        "per_class": scorer.per_class(),
        "ms_per_image_p50": round(float(np.median(times)), 2) if times else None,
    }
    if ap:
        # AP ranks every peak, so it decodes with a low threshold rather than the shipped one.
        result["ap50"] = score_records(records, np.full(len(LABELS), 0.02), detector.stride).ap50()
    return result


def evaluate_by_source(detector, fields: list[Field]) -> dict[str, dict]:
    """evaluate_detector per source of the fields (bccd, pbc, raabin), and all together."""
    results = {"all": evaluate_detector(detector, fields)}
    for source in sorted({field.source for field in fields}):
        results[source] = evaluate_detector(detector, [f for f in fields if f.source == source])
    return results
