"""The review queue of a lab's pathologists."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.models import AuditEvent
from audit.services import record
from review.access import pathologist_required
from review.queue import LOW_CONFIDENCE, review_queue


@pathologist_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    cases = review_queue(request.membership)
    record(request, AuditEvent.Action.CASES_LISTED, view="review queue")
    context = {"cases": cases, "low_confidence_percent": round(LOW_CONFIDENCE * 100)}
    return render(request, "review/queue.html", context)
