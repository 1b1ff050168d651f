"""The case page's review-and-report panel: `{% case_report_panel case %}` (load reports_tags)."""

from django import template

from reports.services import case_differential, latest_sign_off
from review.forms import display_label

register = template.Library()


def differential_context(differential) -> dict:
    return {
        "differential": differential,
        "differential_rows": [(display_label(row.label), row) for row in differential.rows],
    }


@register.inclusion_tag("reports/_case_panel.html", takes_context=True)
def case_report_panel(context, case) -> dict:
    """Differential, sign-off state and the review/report links of one case."""
    membership = context.get("membership")
    return {
        "case": case,
        "membership": membership,
        "sign_off": latest_sign_off(case) if case.is_signed else None,
        "amended": case.amendments.exists(),
        **differential_context(case_differential(case)),
    }


@register.inclusion_tag("reports/_differential.html")
def differential_table(differential) -> dict:
    return differential_context(differential)


@register.filter
def label_name(label: str | None) -> str:
    """A class label as people read it: `{{ row.final|label_name }}`."""
    return display_label(label)
