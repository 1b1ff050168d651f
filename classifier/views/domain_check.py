"""The lab admin's domain check: the lab's recent confidences against the model's validation."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import lab_admin_required
from classifier.domain_chart import confidence_histogram_svg
from classifier.domain_check import (
    MIN_PREDICTIONS,
    RECENT_DAYS,
    RECENT_LIMIT,
    UNIDENTIFIED_RISE_BOUND,
    lab_domain_check,
)
from classifier.svg_chart import svg_response


@lab_admin_required
@require_GET
def domain_check(request: HttpRequest) -> HttpResponse:
    version, verdict = lab_domain_check(request.membership.lab)
    context = {
        "version": version,
        "verdict": verdict,
        "unidentified_rise_bound": UNIDENTIFIED_RISE_BOUND,
        "min_predictions": MIN_PREDICTIONS,
        "recent_days": RECENT_DAYS,
        "recent_limit": RECENT_LIMIT,
    }
    return render(request, "classifier/domain_check.html", context)


@lab_admin_required
@require_GET
def domain_check_chart(request: HttpRequest) -> HttpResponse:
    version, verdict = lab_domain_check(request.membership.lab)
    threshold = version.confidence_threshold if version else None
    return svg_response(confidence_histogram_svg(verdict, threshold))
