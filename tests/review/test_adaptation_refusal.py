import json
import sys

from django.urls import reverse

from classifier.models import ModelVersion
from review.adaptation import runner
from review.models import AdaptationJob


def test_a_result_that_loses_test_accuracy_is_refused_and_not_registered(
    lab_a, lab_admin, model_version, monkeypatch
):
    job = AdaptationJob.objects.create(lab=lab_a, requested_by=lab_admin, parent=model_version)
    report = {"accepted": False, "reason": "accuracy on the original test split dropped"}
    # A stand-in for `python -m ml adapt` that writes a refused report into --out.
    script = (
        "import os, sys; os.makedirs(sys.argv[1]); "
        "open(os.path.join(sys.argv[1], 'adaptation_report.json'), 'w')"
        f".write({json.dumps(report)!r})"
    )
    monkeypatch.setattr(
        runner, "adapt_command", lambda job, workdir, out: [sys.executable, "-c", script, str(out)]
    )
    monkeypatch.setattr(runner, "POLL_SECONDS", 0.1)
    versions_before = ModelVersion.objects.count()

    status = runner.run_job(job.pk)

    job.refresh_from_db()
    assert status == AdaptationJob.Status.FAILED
    assert "dropped" in job.error
    assert job.report["accepted"] is False
    assert job.result is None
    assert ModelVersion.objects.count() == versions_before


def test_discarding_sets_the_result_aside_once(client, lab_a, lab_admin, model_version):
    adapted = ModelVersion.objects.create(
        name="adapted", labels=model_version.labels, confidence_threshold=0.5, uploaded=True
    )
    job = AdaptationJob.objects.create(
        lab=lab_a,
        requested_by=lab_admin,
        parent=model_version,
        result=adapted,
        status=AdaptationJob.Status.DONE,
    )
    client.force_login(lab_admin)
    url = reverse("review:adaptation_discard", args=[job.public_id])

    client.post(url)
    client.post(url)
    client.post(reverse("review:adaptation_activate", args=[job.public_id]))

    job.refresh_from_db()
    lab_a.refresh_from_db()
    assert job.decision == AdaptationJob.Decision.DISCARDED
    assert lab_a.model_version is None
