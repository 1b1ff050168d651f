"""What the "Model for this lab" page and the API show: the lab's version, its reviewed cells
per class, the domain check's verdict, and a job's progress and report."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from classifier.domain_check import lab_domain_check
from classifier.labels import display_label
from classifier.models import ModelVersion
from review.adaptation import cells, jobs
from review.models import AdaptationJob


def lab_model_overview(lab) -> dict:
    """Everything the page shows above its jobs."""
    version = ModelVersion.for_lab(lab)
    counts = cells.counts_per_class(cells.lab_cells(lab))
    minimum = settings.ADAPTATION_MIN_CELLS_PER_CLASS
    _version, verdict = lab_domain_check(lab)
    return {
        "version": version,
        "own_version": lab.model_version_id is not None,
        "counts": [
            {
                "label": label,
                "display": display_label(label),
                "count": count,
                "ok": count >= minimum,
            }
            for label, count in counts.items()
        ],
        "minimum": minimum,
        "ready": cells.ready_to_adapt(counts, minimum),
        "verdict": verdict,
        "running": jobs.running_job(lab),
    }


def job_status(job: AdaptationJob) -> dict:
    """The small JSON the page polls (and GET .../status in the API)."""
    return {
        "id": str(job.public_id),
        "status": job.status,
        "status_display": job.get_status_display(),
        "stage": job.stage,
        "stage_display": str(STAGES.get(job.stage, job.stage)),
        "epoch": job.epoch,
        "epochs": job.epochs,
        "percent": round(job.percent, 1),
        "seconds_left": job.seconds_left,
        "error": job.error,
        "finished": job.status not in AdaptationJob.PENDING_STATUSES,
    }


def job_report(job: AdaptationJob) -> dict:
    """Before and after figures on the held-out cells and the original test split."""
    report = job.report or {}
    if not report:
        return {}
    before, after = report["before"], report["after"]
    labels = [label for label in report["labels"] if label in job.cell_counts]
    return {
        "accepted": report.get("accepted"),
        "reason": report.get("reason", ""),
        "held_out_cells": after["held_out"]["cells"],
        "held_out_before": before["held_out"]["accuracy"],
        "held_out_after": after["held_out"]["accuracy"],
        "test_before": before["test"]["accuracy"],
        "test_after": after["test"]["accuracy"],
        "recall": [
            {
                "label": label,
                "display": display_label(label),
                "before": before["held_out"]["recall"].get(label),
                "after": after["held_out"]["recall"].get(label),
            }
            for label in labels
        ],
    }


STAGES = {
    "start": _("Starting"),
    "decode": _("Reading the cells"),
    "train": _("Training"),
    "evaluate": _("Scoring the held-out cells"),
    "done": _("Done"),
}


def held_out_confusion(report: dict) -> tuple[list[str], list[list[int]]]:
    """The adapted model's confusion on the held-out cells as the chart draws it (predicted
    labels in rows, reviewers' in columns), over the classes that occur in either: a lab that
    sees four of the model's eight classes gets a readable four-to-six-class chart."""
    labels = report["labels"]
    true_by_predicted = report["after"]["held_out"]["confusion_matrix"]
    shown = [
        index
        for index in range(len(labels))
        if any(true_by_predicted[index]) or any(row[index] for row in true_by_predicted)
    ]
    return (
        [labels[index] for index in shown],
        [[true_by_predicted[true][predicted] for true in shown] for predicted in shown],
    )
