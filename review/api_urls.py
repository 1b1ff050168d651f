"""Review API, included under /api/v1/."""

from django.urls import path

from review import api

app_name = "review_api"

urlpatterns = [
    path("images/<uuid:image_id>/review", api.ImageReviewView.as_view(), name="image_review"),
    path("cases/<uuid:case_id>/sign-off", api.CaseSignOffView.as_view(), name="case_sign_off"),
]
