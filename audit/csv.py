"""Audit events as CSV (admin action and the lab admin's audit page)."""

import csv
import json
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone

from audit.models import AuditEvent

COLUMNS = [
    "created",
    "action",
    "user_email",
    "lab_id",
    "object_type",
    "object_id",
    "object_repr",
    "client_address",
    "details",
]


def csv_response(events: Iterable[AuditEvent], filename: str = "") -> HttpResponse:
    """A CSV download with one row per event, oldest first as given."""
    filename = filename or f"audit-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(COLUMNS)
    for event in events:
        writer.writerow(
            [
                event.created.isoformat(),
                event.action,
                event.user_email,
                event.lab_id or "",
                event.object_type,
                event.object_id,
                _safe_cell(event.object_repr),
                event.client_address or "",
                _safe_cell(json.dumps(event.details, cls=DjangoJSONEncoder, sort_keys=True)),
            ]
        )
    return response


def _safe_cell(text: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
