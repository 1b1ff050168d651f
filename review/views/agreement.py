"""The agreement page: how often reviewers keep the model's label, overall, per class, over time."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from classifier.labels import OTHER_LABEL, display_label
from classifier.models import ModelVersion
from review import agreement, charts
from review.access import agreement_access_required


def _classes(membership) -> list[str]:
    version = ModelVersion.for_lab(membership.lab)
    return [*(version.labels if version else []), OTHER_LABEL]


def _png_response(png: bytes) -> HttpResponse:
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


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
def confusion_png(request: HttpRequest) -> HttpResponse:
    summary = agreement.summarise(
        agreement.lab_reviews(request.membership), _classes(request.membership)
    )
    return _png_response(charts.confusion_png(summary.labels, summary.matrix))


@agreement_access_required
@require_GET
def trend_png(request: HttpRequest) -> HttpResponse:
    return _png_response(
        charts.trend_png(agreement.trend(agreement.lab_reviews(request.membership)))
    )
