"""The differential count of a case: how many cells of each class, and their share.

A pure function over (predicted label, reviewed label) pairs, so that it can be tested without a
database. The final label of an image is the pathologist's when there is one, else the model's.

As on an analyser's or a manual differential, the shares are per 100 leukocytes: a leukocyte
class gets its percentage of the white cells counted, and the cells that are not leukocytes
(erythroblasts, i.e. nucleated red cells; platelets; "other": smudge cells, artefacts) are
counted beside them, per 100 leukocytes, so that they do not dilute the white-cell percentages.

Each leukocyte percentage comes with its 95 % confidence interval (Wilson score, below): on a
100-cell differential 10 % reads 5.5-17.4 %, which is why labs count 200 cells when it matters.
"""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from classifier.labels import OTHER_LABEL

# OTHER_LABEL is the reviewers' label for what is none of the model's classes.
NOT_LEUKOCYTES = frozenset({"erythroblast", "platelet", OTHER_LABEL})
# The two-sided 95 % normal quantile.
Z_95 = 1.959963984540054


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
    # A leukocyte class with leukocytes counted: the 95 % confidence interval of `percent`
    # (low, high, in %, one decimal); None otherwise.
    confidence_interval: tuple[float, float] | None = None


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


def wilson_interval(count: int, total: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of the proportion count/total, in % (unrounded); None when
    nothing was counted.

    Wilson rather than the textbook Wald interval (p +/- z*sqrt(p(1-p)/n)), which collapses to
    0-0 % for a class with no cell and undercovers at the small counts and proportions of a
    differential (basophils, eosinophils); and rather than Clopper-Pearson (the exact binomial
    interval behind Rümke's table), which guarantees at least 95 % coverage by being wider than
    needed on average. Wilson's coverage stays close to 95 % from n = 100 down to a few cells,
    it never leaves 0-100 %, and it is a closed formula (Brown, Cai & DasGupta, Statistical
    Science 2001, recommend it for small n). Exact coverage of the three at 100 and 200 cells:
    research/intervals/README.md.
    """
    if total <= 0:
        return None
    p = count / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    # The formula gives 0 and 1 exactly at count 0 and count total; floating point may not.
    low = 0.0 if count == 0 else centre - half_width
    high = 1.0 if count == total else centre + half_width
    return (100.0 * low, 100.0 * high)


def _interval(count: int, leukocytes: int) -> tuple[float, float] | None:
    interval = wilson_interval(count, leukocytes)
    return (round(interval[0], 1), round(interval[1], 1)) if interval else None


def _per_100(count: int, leukocytes: int) -> float | None:
    return round(100.0 * count / leukocytes, 1) if leukocytes else None


def _row(label: str, count: int, leukocytes: int) -> DifferentialRow:
    if is_leukocyte(label):
        return DifferentialRow(
            label,
            count,
            percent=_per_100(count, leukocytes) if leukocytes else 0.0,
            confidence_interval=_interval(count, leukocytes),
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
