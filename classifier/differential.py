"""The differential count of a case: how many cells of each class, and their share.

A pure function over (predicted label, reviewed label) pairs, so that it can be tested without a
database. The final label of an image is the pathologist's when there is one, else the model's.

As on an analyser's or a manual differential, the shares are per 100 leukocytes: a leukocyte
class gets its percentage of the white cells counted, and the cells that are not leukocytes
(erythroblasts, i.e. nucleated red cells; platelets; "other": smudge cells, artefacts) are
counted beside them, per 100 leukocytes, so that they do not dilute the white-cell percentages.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from classifier.labels import OTHER_LABEL

# OTHER_LABEL is the reviewers' label for what is none of the model's classes.
NOT_LEUKOCYTES = frozenset({"erythroblast", "platelet", OTHER_LABEL})


def is_leukocyte(label: str) -> bool:
    """Every class is a white cell except those in NOT_LEUKOCYTES (a new bundle's too)."""
    return label not in NOT_LEUKOCYTES


@dataclass(frozen=True)
class DifferentialRow:
    label: str
    count: int
    # A leukocyte class: its share of the leukocytes counted, 0..100 (one decimal).
    percent: float | None
    # Any other class: its count per 100 leukocytes (e.g. NRBC/100 WBC); None without leukocytes.
    per_100_leukocytes: float | None = None


@dataclass(frozen=True)
class Differential:
    rows: list[DifferentialRow]
    total: int  # images counted (those with a prediction or a review)
    reviewed: int
    unreviewed: int
    leukocytes: int = 0  # of those, white cells: the base of every share

    def as_dict(self) -> dict:
        return asdict(self)


def final_label(predicted: str | None, reviewed: str | None) -> str | None:
    """The label that counts: the reviewer's, else the model's (None when there is neither)."""
    return reviewed or predicted


def _per_100(count: int, leukocytes: int) -> float | None:
    return round(100.0 * count / leukocytes, 1) if leukocytes else None


def _row(label: str, count: int, leukocytes: int) -> DifferentialRow:
    if is_leukocyte(label):
        return DifferentialRow(
            label, count, percent=_per_100(count, leukocytes) if leukocytes else 0.0
        )
    return DifferentialRow(label, count, None, per_100_leukocytes=_per_100(count, leukocytes))


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
    leukocytes = sum(count for label, count in counts.items() if is_leukocyte(label))
    order = list(dict.fromkeys(classes)) + sorted(set(counts) - set(classes))
    return Differential(
        rows=[_row(label, counts[label], leukocytes) for label in order],
        total=sum(counts.values()),
        reviewed=reviewed,
        unreviewed=unreviewed,
        leukocytes=leukocytes,
    )
