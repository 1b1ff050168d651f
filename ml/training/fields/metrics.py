"""Scoring found cells against true boxes: centre-in-box matching, counts, and VOC AP@0.5.

Matching (the `fields evaluate` contract): predictions of a class, highest score first, each
take the first unmatched true box of that class that contains the prediction's centre.
count_error_pct = 100 x sum over images of |found - true| / sum of true, per class.
AP@0.5 is VOC's: predictions matched greedily at IoU >= 0.5, all-point interpolated precision.
No TensorFlow here.
"""

from dataclasses import dataclass, field

import numpy as np

LABELS = ("wbc", "rbc", "platelet")


@dataclass
class ClassTally:
    true_positives: int = 0
    predicted: int = 0
    true: int = 0
    count_error: int = 0
    # (score, matched at IoU 0.5) per prediction, for AP
    scored: list = field(default_factory=list)

    def summary(self) -> dict:
        precision = self.true_positives / self.predicted if self.predicted else 0.0
        recall = self.true_positives / self.true if self.true else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        count_error = 100 * self.count_error / self.true if self.true else 0.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "count_error_pct": round(count_error, 2),
            "true": self.true,
            "predicted": self.predicted,
        }


def centre_matches(predicted: np.ndarray, scores: np.ndarray, truth: np.ndarray) -> int:
    """How many predictions (boxes (n, 4)) match a distinct true box containing their centre."""
    taken = np.zeros(len(truth), dtype=bool)
    matched = 0
    for index in np.argsort(-scores, kind="stable"):
        cx = (predicted[index, 0] + predicted[index, 2]) / 2
        cy = (predicted[index, 1] + predicted[index, 3]) / 2
        inside = (
            (truth[:, 0] <= cx) & (cx <= truth[:, 2]) & (truth[:, 1] <= cy) & (cy <= truth[:, 3])
        )
        candidates = np.nonzero(inside & ~taken)[0]
        if len(candidates):
            taken[candidates[0]] = True
            matched += 1
    return matched


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    top_left = np.maximum(box[:2], boxes[:, :2])
    bottom_right = np.minimum(box[2:], boxes[:, 2:])
    overlap = np.prod(np.clip(bottom_right - top_left, 0, None), axis=1)
    area = lambda b: np.prod(b[..., 2:] - b[..., :2], axis=-1)  # noqa: E731
    return overlap / np.maximum(area(box) + area(boxes) - overlap, 1e-9)


def iou_matches(predicted: np.ndarray, scores: np.ndarray, truth: np.ndarray) -> list:
    """(score, matched) per prediction, VOC style: best IoU >= 0.5 with an unmatched box."""
    taken = np.zeros(len(truth), dtype=bool)
    results = []
    for index in np.argsort(-scores, kind="stable"):
        overlaps = iou(predicted[index], truth) if len(truth) else np.zeros(0)
        best = int(np.argmax(overlaps)) if len(overlaps) else -1
        hit = best >= 0 and overlaps[best] >= 0.5 and not taken[best]
        if hit:
            taken[best] = True
        results.append((float(scores[index]), bool(hit)))
    return results


def average_precision(scored: list, n_true: int) -> float:
    """VOC all-point interpolated AP from (score, matched) pairs of every image."""
    if not n_true:
        return 0.0
    hits = np.array([hit for _, hit in sorted(scored, key=lambda pair: -pair[0])], dtype=float)
    true_positives = np.cumsum(hits)
    recall = np.concatenate([[0.0], true_positives / n_true, [1.0]])
    precision = np.concatenate([[0.0], true_positives / np.arange(1, len(hits) + 1), [0.0]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.nonzero(recall[1:] != recall[:-1])[0]
    return float(np.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))


class FieldScorer:
    """Accumulates per-class tallies over images: add(image's predictions, its truth)."""

    def __init__(self):
        self.tallies = {label: ClassTally() for label in LABELS}
        self.n_images = 0

    def add(self, boxes, kinds, scores, true_boxes, true_kinds) -> None:
        self.n_images += 1
        for index, label in enumerate(LABELS):
            mine, theirs = np.asarray(kinds) == label, np.asarray(true_kinds) == index
            predicted = np.asarray(boxes, dtype=float).reshape(-1, 4)[mine]
            truth = np.asarray(true_boxes, dtype=float).reshape(-1, 4)[theirs]
            own_scores = np.asarray(scores, dtype=float)[mine]
            tally = self.tallies[label]
            tally.true_positives += centre_matches(predicted, own_scores, truth)
            tally.predicted += len(predicted)
            tally.true += len(truth)
            tally.count_error += abs(len(predicted) - len(truth))
            tally.scored += iou_matches(predicted, own_scores, truth)

    def per_class(self) -> dict:
        return {label: tally.summary() for label, tally in self.tallies.items()}

    def ap50(self) -> dict:
        return {
            label: round(average_precision(tally.scored, tally.true), 4)
            for label, tally in self.tallies.items()
        }
