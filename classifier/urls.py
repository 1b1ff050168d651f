"""Case pages (web UI). The API lives in classifier/api/urls.py."""

from django.urls import path

from classifier.views import cases, domain_check, fields, health, images

app_name = "classifier"

urlpatterns = [
    path("cases/", cases.case_list, name="case_list"),
    path("cases/new/", cases.case_create, name="case_create"),
    path("cases/<uuid:case_id>/", cases.case_detail, name="case_detail"),
    path("cases/<uuid:case_id>/status/", cases.case_status, name="case_status"),
    path("cases/<uuid:case_id>/images/", images.image_upload, name="image_upload"),
    path("images/<uuid:image_id>/file/", images.image_file, name="image_file"),
    path("images/<uuid:image_id>/field/", fields.field_detail, name="field_detail"),
    path("images/<uuid:image_id>/delete/", images.image_delete, name="image_delete"),
    path("lab/domain-check/", domain_check.domain_check, name="domain_check"),
    path("healthz", health.healthz, name="healthz"),
    path("lab/domain-check.svg", domain_check.domain_check_chart, name="domain_check_chart"),
]
