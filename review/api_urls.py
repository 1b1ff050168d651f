"""Review API, included under /api/v1/."""

from django.urls import path

from review import api
from review.adaptation import api as adaptation

app_name = "review_api"

urlpatterns = [
    path("images/<uuid:image_id>/review", api.ImageReviewView.as_view(), name="image_review"),
    path("cases/<uuid:case_id>/sign-off", api.CaseSignOffView.as_view(), name="case_sign_off"),
    path("lab/adaptations", adaptation.AdaptationListView.as_view(), name="adaptations"),
    path(
        "lab/adaptations/<uuid:job_id>",
        adaptation.AdaptationStatusView.as_view(),
        name="adaptation_status",
    ),
    path(
        "lab/adaptations/<uuid:job_id>/report",
        adaptation.AdaptationReportView.as_view(),
        name="adaptation_report",
    ),
    path(
        "lab/adaptations/<uuid:job_id>/activate",
        adaptation.AdaptationActivateView.as_view(),
        name="adaptation_activate",
    ),
]
