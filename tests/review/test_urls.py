import uuid

from django.urls import resolve, reverse

CASE = uuid.UUID("11111111-1111-1111-1111-111111111111")
IMAGE = uuid.UUID("22222222-2222-2222-2222-222222222222")
JOB = uuid.UUID("33333333-3333-3333-3333-333333333333")


def test_review_urls_round_trip():
    expected = {
        ("review:queue", ()): "/review/",
        ("review:case", (CASE,)): f"/review/cases/{CASE}/",
        ("review:image", (CASE, IMAGE)): f"/review/cases/{CASE}/images/{IMAGE}/",
        ("review:gallery", (CASE,)): f"/review/cases/{CASE}/gallery/",
        ("review:gallery_review", (CASE,)): f"/review/cases/{CASE}/gallery/review/",
        ("review:sign_off", (CASE,)): f"/review/cases/{CASE}/sign-off/",
        ("review:amend", (CASE,)): f"/review/cases/{CASE}/amend/",
        ("review:history", (CASE,)): f"/review/cases/{CASE}/history/",
        ("review:heatmap", (IMAGE,)): f"/review/images/{IMAGE}/heatmap/",
        ("review:heatmap_png", (IMAGE,)): f"/review/images/{IMAGE}/heatmap.png",
        ("review:agreement", ()): "/review/agreement/",
        ("review_api:image_review", (IMAGE,)): f"/api/v1/images/{IMAGE}/review",
        ("review_api:case_sign_off", (CASE,)): f"/api/v1/cases/{CASE}/sign-off",
        ("review:lab_model", ()): "/review/lab-model/",
        ("review:adaptation_start", ()): "/review/lab-model/adapt/",
        ("review:adaptation_status", (JOB,)): f"/review/lab-model/jobs/{JOB}/status/",
        ("review:adaptation_cancel", (JOB,)): f"/review/lab-model/jobs/{JOB}/cancel/",
        ("review:adaptation_activate", (JOB,)): f"/review/lab-model/jobs/{JOB}/activate/",
        ("review:adaptation_discard", (JOB,)): f"/review/lab-model/jobs/{JOB}/discard/",
        ("review:adaptation_roll_back", (JOB,)): f"/review/lab-model/jobs/{JOB}/roll-back/",
        ("review:adaptation_confusion", (JOB,)): f"/review/lab-model/jobs/{JOB}/confusion.svg",
        ("review_api:adaptations", ()): "/api/v1/lab/adaptations",
        ("review_api:adaptation_status", (JOB,)): f"/api/v1/lab/adaptations/{JOB}",
        ("review_api:adaptation_report", (JOB,)): f"/api/v1/lab/adaptations/{JOB}/report",
        ("review_api:adaptation_activate", (JOB,)): f"/api/v1/lab/adaptations/{JOB}/activate",
    }
    for (name, args), path in expected.items():
        assert reverse(name, args=args) == path
        assert resolve(path).view_name == name
