"""The lab admin's domain check: the lab's recent confidences against the model's validation."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import lab_admin_required
from classifier.domain_chart import confidence_histogram_png
from classifier.domain_check import (
    MIN_PREDICTIONS,
    RECENT_DAYS,
    RECENT_LIMIT,
    UNIDENTIFIED_RISE_BOUND,
    lab_domain_check,
)


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
def domain_check_png(request: HttpRequest) -> HttpResponse:
    version, verdict = lab_domain_check(request.membership.lab)
    threshold = version.confidence_threshold if version else None
    response = HttpResponse(confidence_histogram_png(verdict, threshold), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response
