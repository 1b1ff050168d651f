"""What the PDF, the CSV and the FHIR report all state about a case, computed once.

Each class of the differential with its count, its share (% of leukocytes, or per 100
leukocytes for the cells that are not leukocytes) and that share's 95 % confidence interval,
the lab's reference interval and the out-of-range flag (accounts/reference_intervals.py); and
the people: every reviewer and the signer by full name and professional title, with the
pathologist's comment.
"""

from dataclasses import dataclass

from accounts.reference_intervals import flag
from classifier.case_rows import ImageRow
from classifier.differential import Differential, DifferentialRow
from classifier.labels import display_label
from classifier.models import Case


@dataclass(frozen=True)
class ResultRow:
    label: str
    name: str
    count: int
    percent: float | None  # a leukocyte class: % of the leukocytes counted
    per_100_leukocytes: float | None  # any other class
    interval: tuple[float, float] | None  # in %, leukocyte classes only
    flag: str  # "H", "L" or ""
    # The 95 % confidence interval of `percent` (Wilson score), in %; leukocyte classes only.
    confidence_interval: tuple[float, float] | None = None

    @property
    def share(self) -> float | None:
        return self.percent if self.percent is not None else self.per_100_leukocytes

    @property
    def interval_text(self) -> str:
        if self.interval is None:
            return ""
        low, high = self.interval
        return f"{_number(low)}–{_number(high)}"


def _number(value: float) -> str:
    return f"{value:g}"


def result_row(
    row: DifferentialRow, intervals: dict[str, tuple[float, float]], has_leukocytes: bool
) -> ResultRow:
    # Only a leukocyte share of a count that has leukocytes is compared with an interval: a
    # "0 %" of nothing counted is not a low value.
    interval = intervals.get(row.label) if row.percent is not None else None
    return ResultRow(
        label=row.label,
        name=display_label(row.label),
        count=row.count,
        percent=row.percent,
        per_100_leukocytes=row.per_100_leukocytes,
        interval=interval,
        flag=flag(row.percent, interval) if has_leukocytes else "",
        confidence_interval=row.confidence_interval,
    )


def reference_intervals(case: Case, labels: list[str]) -> dict[str, tuple[float, float]]:
    """The intervals a signed case was signed with (its latest version's snapshot), else the
    lab's current ones."""
    sign_off = case.sign_offs.order_by("-version").first() if case.is_signed else None
    signed = (sign_off.snapshot if sign_off else {}).get("reference_intervals")
    if signed is not None:
        return {label: (float(low), float(high)) for label, (low, high) in signed.items()}
    return {
        label: interval
        for label in labels
        if (interval := case.lab.reference_interval(label)) is not None
    }


def result_rows(case: Case, differential: Differential) -> list[ResultRow]:
    intervals = reference_intervals(case, [row.label for row in differential.rows])
    has_leukocytes = differential.leukocytes > 0
    return [result_row(row, intervals, has_leukocytes) for row in differential.rows]


def reviewer_names(rows: list[ImageRow]) -> list[str]:
    """Every reviewer of the case, by full name and title (else email), once each."""
    return sorted({row.reviewer_name or row.reviewer for row in rows if row.reviewer})
