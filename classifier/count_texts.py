"""The count over fields as people read it, in the reader's language: the case page, its live
JSON, the review page and the PDF report share these sentences (classifier/field_counts.py
computes the figures).

Numbers go through `floatformat`, so that they carry the language's decimal and thousands
separators ("5,5–17,4 %" and "214 000 /µL" in French).
"""

from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from classifier.case_rows import CaseCount
from classifier.field_counts import FIELDS_FOR_AN_ESTIMATE, FieldCounts, WhiteCellTarget


def interval_text(interval) -> str:
    """A 95 % confidence interval, "5.5–17.4 %"; "—" for a row that has none."""
    if not interval:
        return "—"
    low, high = interval
    # A no-break space keeps "%" with its number when a narrow column wraps the interval.
    return f"{floatformat(low, 1)}–{floatformat(high, 1)}\u00a0%"


def grouped(value: float) -> str:
    """A whole number with the language's thousands separator: "214,000", "214 000"."""
    return floatformat(value, "0g")


def white_cells_text(white_cells: WhiteCellTarget) -> str:
    return ngettext(
        "%(counted)s of %(target)s white cell counted",
        "%(counted)s of %(target)s white cells counted",
        white_cells.target,
    ) % {"counted": grouped(white_cells.counted), "target": grouped(white_cells.target)}


def more_text(white_cells: WhiteCellTarget, signed: bool) -> str:
    """What the count still needs: more fields until the target is met (nothing once it is).

    A signed case takes no upload: it says that it was signed short of the target instead."""
    if white_cells.is_met:
        return ""
    values = {"remaining": grouped(white_cells.remaining), "target": grouped(white_cells.target)}
    if signed:
        return (
            ngettext(
                "Signed %(remaining)s white cell short of the lab's target of %(target)s.",
                "Signed %(remaining)s white cells short of the lab's target of %(target)s.",
                white_cells.remaining,
            )
            % values
        )
    return (
        ngettext(
            "Count %(remaining)s more: upload more fields.",
            "Count %(remaining)s more: upload more fields.",
            white_cells.remaining,
        )
        % values
    )


def platelet_estimate_text(fields: FieldCounts) -> str:
    return _("%(estimate)s /µL") % {"estimate": grouped(fields.platelet_estimate)}


def platelet_method_text(fields: FieldCounts) -> str:
    """How the estimate was made: "14.3 per field × 15,000, over 12 fields"."""
    return ngettext(
        "%(mean)s per field × %(factor)s, over %(fields)s field",
        "%(mean)s per field × %(factor)s, over %(fields)s fields",
        fields.fields,
    ) % {
        "mean": floatformat(fields.platelets_per_field, 1),
        "factor": grouped(fields.platelet_factor),
        "fields": grouped(fields.fields),
    }


def rough_estimate_text(fields: FieldCounts) -> str:
    """A warning while the estimate rests on too few fields; empty once there are enough."""
    if not fields.estimate_is_rough:
        return ""
    return _("Rough: count at least %(fields)s fields for a platelet estimate.") % {
        "fields": grouped(FIELDS_FOR_AN_ESTIMATE)
    }


def count_summary(count: CaseCount, signed: bool) -> dict:
    """The count over fields as the pages show it (JSON-ready)."""
    white_cells = count.white_cells
    summary = {
        "counted": white_cells.counted,
        "target": white_cells.target,
        "remaining": white_cells.remaining,
        "percent_done": round(white_cells.percent_done, 1),
        "white_cells_text": white_cells_text(white_cells),
        "more_text": more_text(white_cells, signed),
        "fields": None,
    }
    if count.fields is not None:
        fields = count.fields
        summary["fields"] = {
            "fields": fields.fields,
            "platelet_estimate": fields.platelet_estimate,
            "platelet_estimate_text": platelet_estimate_text(fields),
            "platelet_method_text": platelet_method_text(fields),
            "rough_estimate_text": rough_estimate_text(fields),
            "red_cells_per_field_text": floatformat(fields.red_cells_per_field, 1),
        }
    return summary
