"""Report API, included under /api/v1/."""

from django.urls import path

from reports import api

app_name = "reports_api"

urlpatterns = [
    path(
        "cases/<uuid:case_id>/differential", api.CaseDifferentialView.as_view(), name="differential"
    ),
    path("cases/<uuid:case_id>/report.pdf", api.CaseReportPdfView.as_view(), name="report_pdf"),
    path("cases/<uuid:case_id>/report.csv", api.CaseReportCsvView.as_view(), name="report_csv"),
    path("cases/<uuid:case_id>/fhir", api.CaseFhirView.as_view(), name="fhir"),
]
