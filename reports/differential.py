"""The differential count of a case: how many cells of each class, and their share.

A pure function over (predicted label, reviewed label) pairs, so that it can be tested without a
database. The final label of an image is the pathologist's when there is one, else the model's.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class DifferentialRow:
    label: str
    count: int
    percent: float  # of all counted images, 0..100, rounded to one decimal


@dataclass(frozen=True)
class Differential:
    rows: list[DifferentialRow]
    total: int  # images counted (those with a prediction or a review)
    reviewed: int
    unreviewed: int

    def count_of(self, label: str) -> int:
        return next((row.count for row in self.rows if row.label == label), 0)

    def as_dict(self) -> dict:
        return asdict(self)


def final_label(predicted: str | None, reviewed: str | None) -> str | None:
    """The label that counts: the reviewer's, else the model's (None when there is neither)."""
    return reviewed or predicted


def compute_differential(
    labels: Iterable[tuple[str | None, str | None]], classes: Sequence[str] = ()
) -> Differential:
    """Count (predicted, reviewed) pairs by final label.

    Every class in `classes` gets a row, in that order, even with a count of zero; labels that are
    not in `classes` follow in alphabetical order. Pairs with neither label are not counted.
    """
    counts: Counter[str] = Counter()
    reviewed = unreviewed = 0
    for predicted, review in labels:
        label = final_label(predicted, review)
        if label is None:
            continue
        counts[label] += 1
        if review:
            reviewed += 1
        else:
            unreviewed += 1
    total = sum(counts.values())
    order = list(dict.fromkeys(classes)) + sorted(set(counts) - set(classes))
    rows = [
        DifferentialRow(
            label, counts[label], round(100.0 * counts[label] / total, 1) if total else 0.0
        )
        for label in order
    ]
    return Differential(rows=rows, total=total, reviewed=reviewed, unreviewed=unreviewed)
