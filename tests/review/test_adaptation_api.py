from django.urls import reverse

from accounts.models import Membership
from review import tasks
from review.models import AdaptationJob
from tests import personas
from tests.review.adaptation_helpers import reviewed_cells


def _done_job(lab, user, parent, result) -> AdaptationJob:
    recall = {"lymphocyte": 1.0, "neutrophil": 1.0}
    report = {
        "labels": ["lymphocyte", "neutrophil"],
        "accepted": True,
        "reason": "",
        "before": {
            "held_out": {"accuracy": 0.5, "recall": {**recall, "lymphocyte": 0.0}, "cells": 2},
            "test": {"accuracy": 0.9},
        },
        "after": {
            "held_out": {
                "accuracy": 1.0,
                "recall": recall,
                "cells": 2,
                "confusion_matrix": [[1, 0], [0, 1]],
            },
            "test": {"accuracy": 0.9},
        },
    }
    return AdaptationJob.objects.create(
        lab=lab,
        requested_by=user,
        parent=parent,
        result=result,
        status=AdaptationJob.Status.DONE,
        report=report,
        cell_counts={"lymphocyte": 4, "neutrophil": 4},
    )


def test_a_lab_admin_starts_an_adaptation(
    client, lab_a, lab_admin, pathologist, model_version, settings, monkeypatch
):
    settings.ADAPTATION_MIN_CELLS_PER_CLASS = 2
    reviewed_cells(lab_a, pathologist, {"neutrophil": 2, "lymphocyte": 2})
    queued = []
    monkeypatch.setattr(tasks.run_adaptation, "delay_on_commit", queued.append)
    client.force_login(lab_admin)

    response = client.post(reverse("review_api:adaptations"))

    assert response.status_code == 202
    job = AdaptationJob.objects.get()
    assert response.json()["id"] == str(job.public_id)
    assert queued == [job.pk]


def test_starting_without_enough_cells_is_a_conflict(client, lab_admin, model_version):
    client.force_login(lab_admin)

    response = client.post(reverse("review_api:adaptations"))

    assert response.status_code == 409


def test_status_report_and_activate(client, lab_a, lab_admin, model_version):
    from tests.review.helpers import make_version

    adapted = make_version("adapted")
    job = _done_job(lab_a, lab_admin, model_version, adapted)
    client.force_login(lab_admin)

    status = client.get(reverse("review_api:adaptation_status", args=[job.public_id]))
    report = client.get(reverse("review_api:adaptation_report", args=[job.public_id]))
    activated = client.post(reverse("review_api:adaptation_activate", args=[job.public_id]))

    assert status.json()["status"] == "done"
    assert report.json()["held_out_after"] == 1.0
    assert [row["label"] for row in report.json()["recall"]] == ["lymphocyte", "neutrophil"]
    assert activated.status_code == 200
    lab_a.refresh_from_db()
    assert lab_a.model_version == adapted


def test_others_get_403_or_404(client, lab_a, lab_admin, technologist, model_version):
    job = _done_job(lab_a, lab_admin, model_version, None)
    other_admin = personas.make_member(
        "admin@lab-b.example.org", Membership.Role.LAB_ADMIN, personas.LAB_B
    )
    status_url = reverse("review_api:adaptation_status", args=[job.public_id])

    client.force_login(technologist)
    assert client.get(status_url).status_code == 403
    assert client.post(reverse("review_api:adaptations")).status_code == 403
    client.force_login(other_admin)
    assert client.get(status_url).status_code == 404
    activate_url = reverse("review_api:adaptation_activate", args=[job.public_id])
    assert client.post(activate_url).status_code == 404
