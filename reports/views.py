"""The lab-wide CSV export over a date range (pathologists and lab admins), and the lab admin's
overview (where lab admins land)."""

import io

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import lab_admin_required, membership_required
from audit.models import AuditEvent
from audit.services import record
from reports import csv, overview
from reports.forms import DateRangeForm


@membership_required
@require_GET
def lab_export(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    if not (membership.can_review or membership.can_manage_lab):
        raise PermissionDenied
    form = DateRangeForm(request.GET or None)
    if not form.is_valid():
        return render(request, "reports/export.html", {"form": form})
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    out = io.StringIO()
    rows = csv.write_cases(csv.lab_cases_between(membership.lab, start, end), out)
    record(
        request,
        AuditEvent.Action.EXPORT_DOWNLOADED,
        obj=membership.lab,
        export="lab_csv",
        start=start,
        end=end,
        rows=rows,
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"hematovision-{start:%Y%m%d}-{end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@lab_admin_required
@require_GET
def lab_overview(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    awaiting = overview.awaiting_review(membership)
    context = {
        "lab": membership.lab,
        "status_counts": overview.status_counts(membership),
        "awaiting_by_priority": overview.awaiting_by_priority(membership),
        "oldest_awaiting": awaiting[: overview.OLDEST_SHOWN],
        "turnaround": overview.turnaround(membership),
        "turnaround_days": overview.TURNAROUND_DAYS,
    }
    return render(request, "reports/overview.html", context)
