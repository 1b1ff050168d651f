"""The adaptation task end to end on the tiny bundle: start, progress, report, activate,
roll back. `python -m ml adapt` really runs (in a subprocess, as on the train worker)."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from classifier import registry
from classifier.models import ModelVersion
from review import tasks
from review.adaptation import runner
from review.models import AdaptationJob
from tests.review.adaptation_helpers import reviewed_cells
from tests.shipped import SHIPPED_DETECTOR_DIR


@pytest.mark.slow
def test_an_adaptation_runs_from_start_to_report_to_activate_to_rollback(
    client, lab_a, lab_admin, pathologist, tiny_bundle, settings, monkeypatch
):
    settings.ADAPTATION_MIN_CELLS_PER_CLASS = 2
    parent = registry.register_bundle(None, str(tiny_bundle), activate=True)
    reviewed_cells(lab_a, pathologist, {"neutrophil": 3, "lymphocyte": 3})
    # The tiny bundle's test split has one image per class: a point is not a useful bound.
    settings.ADAPTATION_MAX_TEST_DROP = 1.0
    monkeypatch.setattr(runner, "EPOCHS", 1)
    queued = []
    monkeypatch.setattr(tasks.run_adaptation, "delay_on_commit", queued.append)
    client.force_login(lab_admin)

    client.post(reverse("review:adaptation_start"))
    job = AdaptationJob.objects.get()
    status = tasks.run_adaptation(job.pk)

    job.refresh_from_db()
    assert status == AdaptationJob.Status.DONE, job.error
    assert job.percent == 100.0
    assert set(job.report["after"]["held_out"]["recall"]) >= {"lymphocyte", "neutrophil"}
    assert job.report["after"]["held_out"]["cells"] == 2
    adapted = job.result
    assert adapted.parent == parent
    assert not adapted.is_active
    assert adapted.lineage["trained_counts"] == {"lymphocyte": 2, "neutrophil": 2}
    assert sorted(adapted.lineage["held_out_cells"]) == sorted(job.held_out_cells)
    assert adapted.lineage["code_version"]
    assert adapted.lineage["framing"]["detector"] == SHIPPED_DETECTOR_DIR.name
    assert (adapted.bundle_dir / "adaptation_report.json").is_file()
    assert "## Adaptation" in (adapted.bundle_dir / "MODEL_CARD.md").read_text()
    page = client.get(reverse("review:lab_model"))
    assert "adaptation-report" in page.content.decode()
    chart = client.get(reverse("review:adaptation_confusion", args=[job.public_id]))
    assert chart["Content-Type"] == "image/svg+xml"

    client.post(reverse("review:adaptation_activate", args=[job.public_id]))
    lab_a.refresh_from_db()
    assert ModelVersion.for_lab(lab_a) == adapted

    client.post(reverse("review:adaptation_roll_back", args=[job.public_id]))
    lab_a.refresh_from_db()
    assert lab_a.model_version is None
    assert ModelVersion.for_lab(lab_a) == parent
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        AuditEvent.Action.ADAPTATION_STARTED,
        AuditEvent.Action.ADAPTATION_FINISHED,
        AuditEvent.Action.ADAPTATION_ACTIVATED,
        AuditEvent.Action.ADAPTATION_ROLLED_BACK,
    } <= actions
    assert tasks.run_adaptation(job.pk) == "skipped"  # safe to run twice
