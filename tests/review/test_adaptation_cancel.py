import datetime
import json
import sys

from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from review.adaptation import runner
from review.models import AdaptationJob


def _job(lab, user, version, **fields) -> AdaptationJob:
    return AdaptationJob.objects.create(lab=lab, requested_by=user, parent=version, **fields)


def test_cancelling_a_queued_job_ends_it_at_once(client, lab_a, lab_admin, model_version):
    job = _job(lab_a, lab_admin, model_version)
    client.force_login(lab_admin)

    client.post(reverse("review:adaptation_cancel", args=[job.public_id]))

    job.refresh_from_db()
    assert job.status == AdaptationJob.Status.CANCELLED
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ADAPTATION_CANCELLED).exists()
    assert runner.run_job(job.pk) == "skipped"  # the worker finds nothing to do


def test_cancelling_a_running_job_sets_the_flag_its_worker_reads(
    client, lab_a, lab_admin, model_version
):
    job = _job(lab_a, lab_admin, model_version, status=AdaptationJob.Status.RUNNING)
    client.force_login(lab_admin)

    client.post(reverse("review:adaptation_cancel", args=[job.public_id]))

    job.refresh_from_db()
    assert job.status == AdaptationJob.Status.RUNNING
    assert job.cancel_requested


def test_the_worker_ends_the_subprocess_and_keeps_no_bundle(
    lab_a, lab_admin, model_version, tmp_path, monkeypatch, settings
):
    job = _job(lab_a, lab_admin, model_version)
    progress = {"stage": "train", "percent": 42.0, "epoch": 2, "epochs": 5, "seconds_left": 60}
    # A stand-in for `python -m ml adapt`: it writes progress, then trains for ever.
    script = (
        "import json, sys, time; "
        f"open(sys.argv[1], 'a').write(json.dumps({progress!r}) + '\\n'); time.sleep(600)"
    )

    def fake_command(job, workdir, out):
        return [sys.executable, "-c", script, str(workdir / "progress.jsonl")]

    monkeypatch.setattr(runner, "adapt_command", fake_command)
    monkeypatch.setattr(runner, "POLL_SECONDS", 0.1)
    original = runner.follow_progress

    def follow_then_cancel(job, path):
        original(job, path)
        job.refresh_from_db()
        if job.percent:  # the progress arrived: the lab admin clicks Cancel
            job.request_cancel()

    monkeypatch.setattr(runner, "follow_progress", follow_then_cancel)

    status = runner.run_job(job.pk)

    job.refresh_from_db()
    assert status == AdaptationJob.Status.CANCELLED
    assert job.status == AdaptationJob.Status.CANCELLED
    assert job.percent == 42.0 and job.epoch == 2
    assert job.result is None
    assert not (settings.MEDIA_ROOT / "models").exists()


def test_the_status_json_reports_progress(client, lab_a, lab_admin, model_version):
    job = _job(
        lab_a,
        lab_admin,
        model_version,
        status=AdaptationJob.Status.RUNNING,
        stage="train",
        epoch=3,
        epochs=5,
        percent=55.0,
        seconds_left=90,
    )
    client.force_login(lab_admin)

    data = json.loads(client.get(reverse("review:adaptation_status", args=[job.public_id])).content)

    assert data["stage"] == "train"
    assert (data["epoch"], data["epochs"], data["percent"], data["seconds_left"]) == (
        3,
        5,
        55.0,
        90,
    )
    assert data["finished"] is False


def test_cancelling_a_job_whose_worker_died_ends_it(
    client, lab_a, lab_admin, model_version, settings
):
    settings.ADAPTATION_TIME_LIMIT = 60
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    job = _job(lab_a, lab_admin, model_version, status=AdaptationJob.Status.RUNNING)
    AdaptationJob.objects.filter(pk=job.pk).update(started=long_ago)
    client.force_login(lab_admin)

    client.post(reverse("review:adaptation_cancel", args=[job.public_id]))

    job.refresh_from_db()
    assert job.status == AdaptationJob.Status.CANCELLED
