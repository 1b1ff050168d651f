"""The case page's review-and-report panel: `{% case_report_panel case %}` (load reports_tags)."""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from classifier.case_rows import case_differential
from classifier.labels import display_label
from review.services import latest_sign_off

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
def differential_share(row) -> str:
    """A differential row's share: "62.5 %" of the leukocytes for a white-cell class,
    "12.0 / 100 WBC" for other cells, "—" with no leukocytes to count against. Works on rows and on
    the dicts of signed snapshots (those signed before shares were per 100 leukocytes have a
    percent of all images only, and show it)."""
    values = row if isinstance(row, dict) else vars(row)
    percent, per_100 = values.get("percent"), values.get("per_100_leukocytes")
    if percent is not None:
        return f"{floatformat(percent, 1)} %"
    if per_100 is not None:
        return _("%(value)s / 100 WBC") % {"value": floatformat(per_100, 1)}
    return "—"


@register.filter
def label_name(label: str | None) -> str:
    """A class label as people read it: `{{ row.final|label_name }}`."""
    return display_label(label)


@register.filter
def duration_text(delta) -> str:
    """A turnaround as people say it: "45 min", "3 h 20 min", "2 d 4 h"."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}
