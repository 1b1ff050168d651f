"""The agreement page: how often reviewers keep the model's label, overall, per class, over time."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from classifier.labels import OTHER_LABEL, display_label
from classifier.models import ModelVersion
from classifier.svg_chart import svg_response
from review import agreement, charts
from review.access import agreement_access_required


def _classes(membership) -> list[str]:
    version = ModelVersion.for_lab(membership.lab)
    return [*(version.labels if version else []), OTHER_LABEL]


@agreement_access_required
@require_GET
def agreement_page(request: HttpRequest) -> HttpResponse:
    pairs = agreement.lab_reviews(request.membership)
    summary = agreement.summarise(pairs, _classes(request.membership))
    rows = [
        {"label": display_label(row.label), "row": row}
        for row in summary.per_class
        if row.predicted or row.final
    ]
    context = {"summary": summary, "rows": rows, "trend": agreement.trend(pairs)}
    return render(request, "review/agreement.html", context)


@agreement_access_required
@require_GET
def confusion_chart(request: HttpRequest) -> HttpResponse:
    summary = agreement.summarise(
        agreement.lab_reviews(request.membership), _classes(request.membership)
    )
    return svg_response(charts.confusion_svg(summary.labels, summary.matrix))


@agreement_access_required
@require_GET
def trend_chart(request: HttpRequest) -> HttpResponse:
    return svg_response(
        charts.trend_svg(agreement.trend(agreement.lab_reviews(request.membership)))
    )
