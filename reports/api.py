"""API: a case's differential, and its report as PDF, CSV and FHIR JSON. Any member of its lab.

    GET /api/v1/cases/{id}/differential     JSON, with the count over fields (`count`)
    GET /api/v1/cases/{id}/report.pdf       application/pdf (watermarked DRAFT until signed off)
    GET /api/v1/cases/{id}/report.csv       text/csv, one row per image
    GET /api/v1/cases/{id}/fhir             application/fhir+json, a DiagnosticReport
Each is an attachment named by the accession number (reports/filenames.py). Downloads are
recorded in the audit trail.
"""

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_schema import error_responses
from accounts.permissions import IsLabMember
from audit.models import AuditEvent
from audit.services import record
from classifier.access import get_case_or_404
from classifier.case_rows import case_count, case_differential
from reports import csv, fhir, pdf
from reports.filenames import report_filename


class _DownloadRenderer(BaseRenderer):
    """Lets a client ask for the file's own type; errors still come back as JSON text."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return json.dumps(data).encode()


class PdfRenderer(_DownloadRenderer):
    media_type = "application/pdf"
    format = "pdf"


class CsvRenderer(_DownloadRenderer):
    media_type = "text/csv"
    format = "csv"


class FhirRenderer(_DownloadRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


def _download(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class CaseDifferentialView(APIView):
    permission_classes = [IsLabMember]

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **error_responses(401, 403, 404)})
    def get(self, request: Request, case_id) -> Response:
        case = get_case_or_404(request.membership, case_id)
        differential = case_differential(case)
        count = case_count(case, differential)
        return Response({**differential.as_dict(), "count": count.as_dict()})


class CaseReportPdfView(APIView):
    permission_classes = [IsLabMember]
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **error_responses(401, 403, 404)}
    )
    def get(self, request: Request, case_id) -> HttpResponse:
        case = get_case_or_404(request.membership, case_id)
        content = pdf.render_pdf(case)
        record(
            request,
            AuditEvent.Action.REPORT_DOWNLOADED,
            obj=case,
            format="pdf",
            draft=not case.is_signed,
        )
        return _download(content, "application/pdf", report_filename(case, "pdf"))


class CaseReportCsvView(APIView):
    permission_classes = [IsLabMember]
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.STR, **error_responses(401, 403, 404)}
    )
    def get(self, request: Request, case_id) -> HttpResponse:
        case = get_case_or_404(request.membership, case_id)
        content = csv.case_csv(case)
        record(request, AuditEvent.Action.REPORT_DOWNLOADED, obj=case, format="csv")
        return _download(content, "text/csv; charset=utf-8", report_filename(case, "csv"))


class CaseFhirView(APIView):
    permission_classes = [IsLabMember]
    renderer_classes = [JSONRenderer, FhirRenderer]

    @extend_schema(
        responses={
            (200, "application/fhir+json"): OpenApiTypes.OBJECT,
            **error_responses(401, 403, 404),
        }
    )
    def get(self, request: Request, case_id) -> HttpResponse:
        case = get_case_or_404(request.membership, case_id)
        content = json.dumps(fhir.diagnostic_report(case), indent=2)
        record(request, AuditEvent.Action.REPORT_DOWNLOADED, obj=case, format="fhir")
        return _download(content, "application/fhir+json", report_filename(case, "fhir.json"))
