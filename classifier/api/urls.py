"""API v1 routes for cases and images (mounted at /api/v1/ in hematoportal/urls.py)."""

from django.urls import path

from classifier.api import views

app_name = "classifier_api"

case_list = views.CaseViewSet.as_view({"get": "list", "post": "create"})
case_detail = views.CaseViewSet.as_view({"get": "retrieve"})
case_images = views.CaseViewSet.as_view({"post": "images"})
image_detail = views.ImageViewSet.as_view({"get": "retrieve"})

urlpatterns = [
    path("cases/", case_list, name="case_list"),
    path("cases/<uuid:id>/", case_detail, name="case_detail"),
    path("cases/<uuid:id>/images/", case_images, name="case_images"),
    path("images/<uuid:id>/", image_detail, name="image_detail"),
]
