"""Agreement between the model and the reviewing pathologists, computed from the reviews.

`summarise` and `trend` are pure functions over plain tuples; `lab_reviews` reads them from the
database for one lab.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from accounts.models import Membership
from review.models import Review


@dataclass(frozen=True)
class ReviewedPair:
    predicted: str
    final: str
    model_version: str
    reviewed_at: datetime.datetime


@dataclass(frozen=True)
class ClassAgreement:
    label: str
    predicted: int  # images the model gave this label
    confirmed: int  # ... that the reviewer kept
    final: int  # images whose final label is this one
    found: int  # ... that the model had found


@dataclass(frozen=True)
class AgreementSummary:
    total: int
    agreed: int
    per_class: list[ClassAgreement]
    labels: list[str]
    matrix: list[list[int]]  # rows: predicted label, columns: final label, in `labels` order

    @property
    def rate(self) -> float | None:
        return self.agreed / self.total if self.total else None


def lab_reviews(membership: Membership) -> list[ReviewedPair]:
    reviews = Review.objects.filter(image__case__lab_id=membership.lab_id).values_list(
        "predicted_label", "label", "image__prediction__model_version__name", "updated"
    )
    return [ReviewedPair(*values) for values in reviews]


def summarise(pairs: list[ReviewedPair], classes: list[str] | None = None) -> AgreementSummary:
    """Overall and per-class agreement, and the predicted-vs-final confusion matrix."""
    seen = {pair.predicted for pair in pairs} | {pair.final for pair in pairs}
    labels = list(classes or []) + sorted(seen - set(classes or []))
    index = {label: position for position, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for pair in pairs:
        matrix[index[pair.predicted]][index[pair.final]] += 1
    predicted = Counter(pair.predicted for pair in pairs)
    final = Counter(pair.final for pair in pairs)
    agreed = Counter(pair.predicted for pair in pairs if pair.predicted == pair.final)
    per_class = [
        ClassAgreement(label, predicted[label], agreed[label], final[label], agreed[label])
        for label in labels
    ]
    return AgreementSummary(len(pairs), sum(agreed.values()), per_class, labels, matrix)


def week_start(moment: datetime.datetime) -> datetime.date:
    day = moment.date()
    return day - datetime.timedelta(days=day.weekday())


def trend(pairs: list[ReviewedPair]) -> dict[str, list[tuple[datetime.date, float, int]]]:
    """Per model version: (week, agreement rate, reviews) for each week with reviews, in order."""
    buckets: dict[str, dict[datetime.date, list[int]]] = defaultdict(lambda: defaultdict(list))
    for pair in pairs:
        buckets[pair.model_version][week_start(pair.reviewed_at)].append(
            int(pair.predicted == pair.final)
        )
    return {
        version: [(week, sum(hits) / len(hits), len(hits)) for week, hits in sorted(weeks.items())]
        for version, weeks in sorted(buckets.items())
    }
