"""The case page's review-and-report panel: `{% case_report_panel case %}` (load reports_tags),
and the differential and count-over-fields pieces the review page shows too."""

from django import template
from django.utils.translation import gettext as _

from classifier.case_rows import case_count, case_differential
from classifier.count_texts import count_summary, interval_text
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
    differential = case_differential(case)
    return {
        "case": case,
        "membership": membership,
        "sign_off": latest_sign_off(case) if case.is_signed else None,
        "amended": case.amendments.exists(),
        "progress": progress_text(
            image_counts(list(case.images.uploads().values_list("status", flat=True)))
        ),
        "count": count_summary(case_count(case, differential), case.is_signed),
        **differential_context(differential),
    }


@register.inclusion_tag("reports/_differential.html")
def differential_table(differential) -> dict:
    return differential_context(differential)


@register.simple_tag
def count_over_fields(case, differential) -> dict:
    """`{% count_over_fields case differential as count %}`: white cells against the lab's
    target and the smear fields' figures, for reports/_white_cells.html and _smear_fields.html."""
    return count_summary(case_count(case, differential), case.is_signed)


@register.filter
def differential_interval(row) -> str:
    """A differential row's 95 % confidence interval; works on rows and on snapshot dicts."""
    interval = row.get("confidence_interval") if isinstance(row, dict) else row.confidence_interval
    return interval_text(interval)


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
