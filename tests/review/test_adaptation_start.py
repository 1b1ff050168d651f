from django.urls import reverse

from audit.models import AuditEvent
from review import tasks
from review.models import AdaptationJob
from tests.review.adaptation_helpers import reviewed_cells


def test_it_queues_a_job_holding_out_cells_of_every_class(
    client, lab_a, lab_admin, pathologist, model_version, settings, monkeypatch
):
    settings.ADAPTATION_MIN_CELLS_PER_CLASS = 2
    reviewed_cells(lab_a, pathologist, {"neutrophil": 4, "lymphocyte": 2})
    queued = []
    monkeypatch.setattr(tasks.run_adaptation, "delay_on_commit", queued.append)
    client.force_login(lab_admin)

    response = client.post(reverse("review:adaptation_start"))

    assert response.status_code == 302
    job = AdaptationJob.objects.get()
    assert queued == [job.pk]
    assert job.status == AdaptationJob.Status.QUEUED
    assert job.parent == model_version
    assert job.cell_counts == {"lymphocyte": 2, "neutrophil": 4}
    assert len(job.held_out_cells) == 2  # one lymphocyte, one neutrophil
    assert len(job.trained_cells) == 4
    assert not set(job.held_out_cells) & set(job.trained_cells)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ADAPTATION_STARTED).exists()


def test_it_refuses_while_a_class_has_too_few(
    client, lab_a, lab_admin, pathologist, model_version, settings, monkeypatch
):
    settings.ADAPTATION_MIN_CELLS_PER_CLASS = 3
    reviewed_cells(lab_a, pathologist, {"neutrophil": 4, "lymphocyte": 2})
    queued = []
    monkeypatch.setattr(tasks.run_adaptation, "delay_on_commit", queued.append)
    client.force_login(lab_admin)

    client.post(reverse("review:adaptation_start"))

    assert not AdaptationJob.objects.exists()
    assert queued == []


def test_it_does_not_start_a_second_job_while_one_runs(
    client, lab_a, lab_admin, pathologist, model_version, settings, monkeypatch
):
    settings.ADAPTATION_MIN_CELLS_PER_CLASS = 2
    reviewed_cells(lab_a, pathologist, {"neutrophil": 2, "lymphocyte": 2})
    monkeypatch.setattr(tasks.run_adaptation, "delay_on_commit", lambda job_id: None)
    client.force_login(lab_admin)

    client.post(reverse("review:adaptation_start"))
    client.post(reverse("review:adaptation_start"))

    assert AdaptationJob.objects.count() == 1


def test_the_technologist_cannot_start(client, technologist):
    client.force_login(technologist)

    assert client.post(reverse("review:adaptation_start")).status_code == 403
