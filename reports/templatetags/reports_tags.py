"""The case page's review-and-report panel: `{% case_report_panel case %}` (load reports_tags)."""

from django import template
from django.utils.translation import gettext as _

from classifier.case_rows import case_differential
from classifier.labels import display_label
from classifier.summaries import image_counts, progress_text, share_text
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
        "progress": progress_text(image_counts(list(case.images.values_list("status", flat=True)))),
        **differential_context(case_differential(case)),
    }


@register.inclusion_tag("reports/_differential.html")
def differential_table(differential) -> dict:
    return differential_context(differential)


@register.filter
def differential_share(row) -> str:
    """A differential row's share (classifier.summaries.share_text); works on rows and on the
    dicts of signed snapshots."""
    return share_text(row if isinstance(row, dict) else vars(row))


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
