"""Scoring a detector on labelled fields (a folder with images/ and labels/, or the split).

    evaluate_detector(detector, fields) -> {"n_images", "per_class", "ms_per_image_p50", ...}

Timing covers what serving does per image: open, decode (reduced), letterbox, run, decode cells,
on the detector's thread count. What is scored is every cell the detector finds, edge slivers
included, as the labels box them (the route's counting rule, Detector.counted, is not the
detector's). Score thresholds are chosen on validation fields from the
model's raw outputs (choose_thresholds), never on a test split. No TensorFlow here.

Threshold rules, one per class, each aimed at the class's target rather than at F1 alone:
- wbc: the lowest threshold whose F1 is within WBC_F1_TOLERANCE of the best, over the
  validation fields plus, where given, more fields with white-cell boxes that training never
  saw (BCCD's train/val fields, its own XML boxes). Validation alone ties over a wide range, and
  its lowest lets faint false cells through on BCCD; the best F1 alone can sit where white
  cells start to be missed. A missed white cell is worse than a false one: nobody sees it, and
  in a frame with one white cell (Kaggle's 320x240 cuts) the image has nothing to classify,
  while a reviewer sees a false one.
- rbc: the lowest count error among thresholds whose F1 stays >= RBC_MIN_F1 (a red cell
  count is the figure a lab reads), else the best F1.
- platelet: best F1.
Ties go to the lowest threshold (more cells found).
"""

import time

import numpy as np

from ml.serving.detector import LABELS, decode_cells
from ml.serving.field_image import open_field
from ml.training.fields.data import Field, read_yolo_labels
from ml.training.fields.metrics import FieldScorer

THRESHOLD_GRID = np.round(np.arange(0.1, 0.75, 0.025), 3)
RBC_MIN_F1 = 0.92
WBC_F1_TOLERANCE = 0.01


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
    scorer, thresholds = FieldScorer(), np.asarray(thresholds, np.float32)
    for output, letterbox, true_boxes, true_classes in records:
        cells = decode_cells(output, thresholds, stride, letterbox)
        scorer.add(
            [cell.box for cell in cells],
            [cell.kind for cell in cells],
            [cell.score for cell in cells],
            true_boxes,
            true_classes,
        )
    return scorer


def class_figures(records: list, stride: int, index: int) -> list:
    """[(threshold, the class's summary)] over THRESHOLD_GRID, the other classes off."""
    figures = []
    for threshold in THRESHOLD_GRID:
        thresholds = np.full(len(LABELS), 2.0)
        thresholds[index] = threshold
        scorer = score_records(records, thresholds, stride)
        figures.append((float(threshold), scorer.per_class()[LABELS[index]]))
    return figures


def best_f1(figures: list) -> float:
    return max(figures, key=lambda pair: (pair[1]["f1"], -pair[0]))[0]


def lowest_near_best_f1(figures: list, tolerance: float = WBC_F1_TOLERANCE) -> float:
    """The lowest threshold whose F1 is within `tolerance` of the best."""
    best = max(summary["f1"] for _, summary in figures)
    return min(threshold for threshold, summary in figures if summary["f1"] >= best - tolerance)


def best_count(figures: list, min_f1: float = RBC_MIN_F1) -> float:
    """The threshold with the lowest count error among those with F1 >= min_f1, else best F1."""
    counted = [pair for pair in figures if pair[1]["f1"] >= min_f1]
    if not counted:
        return best_f1(figures)
    return min(counted, key=lambda pair: (pair[1]["count_error_pct"], pair[0]))[0]


def choose_thresholds(records: list, stride: int, wbc_records: list = ()) -> dict[str, float]:
    """Per class, the grid threshold its rule (above) picks on these validation records;
    `wbc_records`: more unseen fields that count for the white-cell threshold."""
    wbc = class_figures(list(records) + list(wbc_records), stride, 0)
    rbc = class_figures(records, stride, 1)
    platelet = class_figures(records, stride, 2)
    return {
        "wbc": lowest_near_best_f1(wbc),
        "rbc": best_count(rbc),
        "platelet": best_f1(platelet),
    }


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
        low = np.full(len(LABELS), 0.02)
        result["ap50"] = score_records(records, low, detector.stride).ap50()
    return result


def evaluate_by_source(detector, fields: list[Field]) -> dict[str, dict]:
    """evaluate_detector per source of the fields (bccd, pbc, raabin), and all together."""
    results = {"all": evaluate_detector(detector, fields)}
    for source in sorted({field.source for field in fields}):
        results[source] = evaluate_detector(detector, [f for f in fields if f.source == source])
    return results
