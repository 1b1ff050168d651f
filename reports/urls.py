"""Report pages (web UI). Per-case downloads live in the API (reports/api_urls.py)."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("export/", views.lab_export, name="lab_export"),
    path("overview/", views.lab_overview, name="lab_overview"),
]
