"""Review pages (web UI). The review and sign-off API lives in review/api_urls.py."""

from django.urls import path

from review.adaptation import views as adaptation
from review.views import agreement, cases, gallery, heatmaps, queue

app_name = "review"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("cases/<uuid:case_id>/", cases.case_review, name="case"),
    path("cases/<uuid:case_id>/images/<uuid:image_id>/", cases.image_review, name="image"),
    path("cases/<uuid:case_id>/gallery/", gallery.gallery, name="gallery"),
    path("cases/<uuid:case_id>/gallery/review/", gallery.gallery_review, name="gallery_review"),
    path("cases/<uuid:case_id>/sign-off/", cases.sign_off, name="sign_off"),
    path("cases/<uuid:case_id>/amend/", cases.amend, name="amend"),
    path("cases/<uuid:case_id>/history/", cases.history, name="history"),
    path("images/<uuid:image_id>/heatmap/", heatmaps.heatmap, name="heatmap"),
    path("images/<uuid:image_id>/heatmap.png", heatmaps.heatmap_png, name="heatmap_png"),
    path("images/<uuid:image_id>/lime/", heatmaps.lime, name="lime"),
    path("images/<uuid:image_id>/lime.png", heatmaps.lime_png, name="lime_png"),
    path("agreement/", agreement.agreement_page, name="agreement"),
    path("agreement/confusion.svg", agreement.confusion_chart, name="agreement_confusion"),
    path("agreement/trend.svg", agreement.trend_chart, name="agreement_trend"),
    path("lab-model/", adaptation.lab_model, name="lab_model"),
    path("lab-model/adapt/", adaptation.start, name="adaptation_start"),
    path("lab-model/jobs/<uuid:job_id>/status/", adaptation.job_status, name="adaptation_status"),
    path("lab-model/jobs/<uuid:job_id>/cancel/", adaptation.cancel, name="adaptation_cancel"),
    path("lab-model/jobs/<uuid:job_id>/activate/", adaptation.activate, name="adaptation_activate"),
    path("lab-model/jobs/<uuid:job_id>/discard/", adaptation.discard, name="adaptation_discard"),
    path(
        "lab-model/jobs/<uuid:job_id>/roll-back/", adaptation.roll_back, name="adaptation_roll_back"
    ),
    path(
        "lab-model/jobs/<uuid:job_id>/confusion.svg",
        adaptation.confusion_chart,
        name="adaptation_confusion",
    ),
]
