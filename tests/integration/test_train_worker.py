"""A lab admin adapts the lab's model through the API, in a real `celery worker -Q train` over a
real Redis: start, progress, report, then (when the report accepts it) activate and roll back.
`python -m ml adapt` really runs on the tiny bundle, in the worker's subprocess."""

import time

import pytest
from django.urls import reverse

from classifier import registry
from classifier.models import ModelVersion
from review.models import AdaptationJob
from tests.review.adaptation_helpers import reviewed_cells

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FINISH_TIMEOUT_SECONDS = 600


def test_a_train_worker_adapts_a_labs_model(
    live_train_worker, tiny_bundle, client, lab_a, lab_admin, pathologist, settings
):
    settings.ADAPTATION_MIN_CELLS_PER_CLASS = 2
    parent = registry.register_bundle(None, str(tiny_bundle), activate=True)
    reviewed_cells(lab_a, pathologist, {"neutrophil": 3, "lymphocyte": 3})
    client.force_login(lab_admin)

    started = client.post(reverse("review_api:adaptations"))
    assert started.status_code == 202, started.content
    status_url = reverse("review_api:adaptation_status", args=[started.json()["id"]])
    seen_progress, deadline = set(), time.monotonic() + FINISH_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        status = client.get(status_url).json()
        seen_progress.add(status["stage"])
        if status["finished"]:
            break
        time.sleep(0.5)

    job = AdaptationJob.objects.get()
    assert job.status in (AdaptationJob.Status.DONE, AdaptationJob.Status.FAILED), (
        live_train_worker.log_tail()
    )
    assert job.report, f"{job.error}\n{live_train_worker.log_tail()}"
    assert seen_progress & {"train", "evaluate", "done", "decode"}
    if job.status == AdaptationJob.Status.DONE:  # the tiny bundle may lose its point of test
        client.post(reverse("review_api:adaptation_activate", args=[job.public_id]))
        lab_a.refresh_from_db()
        assert ModelVersion.for_lab(lab_a) == job.result
        client.post(reverse("review:adaptation_roll_back", args=[job.public_id]))
        lab_a.refresh_from_db()
        assert ModelVersion.for_lab(lab_a) == parent
