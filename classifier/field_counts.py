"""A differential over smear fields, as a lab counts one: white cells against the lab's target,
and what the fields' red cells and platelets say.

Pure functions over numbers, so that they can be tested without a database; classifier/
case_rows.py feeds them a case's differential and its done fields (CellImage kind "field",
whose `counts` the cell finder wrote).

- White cells: every leukocyte with a final label counts, from single-cell images and from the
  cells found in fields alike (classifier/differential.py). Until the lab's target (100 or 200)
  is met, the case asks for more fields.
- Platelet estimate: mean platelets per field x the lab's factor (platelets per microlitre per
  platelet seen in one oil-immersion field; it depends on the microscope's field of view, so
  each lab sets its own). Red cells: their mean per field. Without a done field there is no
  estimate at all (None), never a zero.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# A field estimate is rough (a few hundred platelets over ten fields): three significant
# figures say what it knows; 213,750 /µL would claim a precision it does not have.
ESTIMATE_SIGNIFICANT_FIGURES = 3


@dataclass(frozen=True)
class WhiteCellTarget:
    counted: int  # leukocytes with a final label
    target: int  # the lab's differential target, 100 or 200

    @property
    def remaining(self) -> int:
        return max(self.target - self.counted, 0)

    @property
    def is_met(self) -> bool:
        return self.counted >= self.target

    @property
    def percent_done(self) -> float:
        """How far the count is, 0..100 (for a progress bar)."""
        if self.target <= 0:
            return 100.0
        return min(100.0, 100.0 * self.counted / self.target)


def round_significant(value: float, figures: int = ESTIMATE_SIGNIFICANT_FIGURES) -> int:
    """`value` rounded to `figures` significant figures, as a whole number (213750 -> 214000)."""
    if value <= 0:
        return 0
    digits = figures - 1 - math.floor(math.log10(value))
    # Half up, as people round (Python's round() would give 202,000 for 202,500).
    step = Decimal(10) ** -min(digits, 0)
    return int((Decimal(value) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)


# Platelets are few per field, so an estimate from fewer fields than this is marked rough (labs
# average over ten oil-immersion fields or more).
FIELDS_FOR_AN_ESTIMATE = 10


@dataclass(frozen=True)
class FieldCounts:
    """Totals over a case's done fields (at least one)."""

    fields: int
    platelets: int
    red_cells: int
    platelet_factor: int  # per µL, the lab's setting

    @property
    def platelets_per_field(self) -> float:
        return self.platelets / self.fields

    @property
    def red_cells_per_field(self) -> float:
        return self.red_cells / self.fields

    @property
    def estimate_is_rough(self) -> bool:
        return self.fields < FIELDS_FOR_AN_ESTIMATE

    @property
    def platelet_estimate(self) -> int:
        """Platelets per µL: mean platelets per field x the lab's factor (3 significant figures)."""
        return round_significant(self.platelets_per_field * self.platelet_factor)


def _count(counts: Mapping, kind: str) -> int:
    # The cell finder writes every kind; a missing or malformed one counts as none found.
    value = counts.get(kind, 0) if isinstance(counts, Mapping) else 0
    return value if isinstance(value, int) and value > 0 else 0


def field_counts(counts: Iterable[Mapping], platelet_factor: int) -> FieldCounts | None:
    """Sum the per-field counts ({"wbc": n, "rbc": n, "platelet": n}); None without a field."""
    fields = list(counts)
    if not fields:
        return None
    return FieldCounts(
        fields=len(fields),
        platelets=sum(_count(field, "platelet") for field in fields),
        red_cells=sum(_count(field, "rbc") for field in fields),
        platelet_factor=platelet_factor,
    )
