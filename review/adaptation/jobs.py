"""What a lab admin does with adaptations: start one, cancel it, then activate its result for the
lab, discard it, or roll the lab back to the version it had before. Plain functions on ids and
rows; the views and the API call them, and each step is audited.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Lab
from audit.models import AuditEvent
from audit.services import record
from classifier.models import ModelVersion
from review.adaptation import cells
from review.models import AdaptationJob


class AdaptationRefusedError(Exception):
    """The lab cannot start an adaptation now (the message says why)."""


def lab_jobs(lab: Lab):
    return AdaptationJob.objects.filter(lab=lab).select_related("parent", "result")


def running_job(lab: Lab) -> AdaptationJob | None:
    return lab_jobs(lab).filter(status__in=AdaptationJob.PENDING_STATUSES).first()


def start(request, lab: Lab, user) -> AdaptationJob:
    """Queue an adaptation of the lab's current version to its reviewed cells."""
    from review.tasks import run_adaptation  # the task module imports this one

    parent = ModelVersion.for_lab(lab)
    if parent is None:
        raise AdaptationRefusedError(_("No model version classifies this lab's images."))
    reviewed = cells.lab_cells(lab)
    counts = cells.counts_per_class(reviewed)
    if not cells.ready_to_adapt(counts, settings.ADAPTATION_MIN_CELLS_PER_CLASS):
        raise AdaptationRefusedError(_("Not every class has enough reviewed cells yet."))
    unknown = sorted(set(counts) - set(parent.labels))
    if unknown:
        raise AdaptationRefusedError(
            _("The model has no class for: %(labels)s.") % {"labels": ", ".join(unknown)}
        )
    train, held_out = cells.split_held_out(reviewed)
    with transaction.atomic():
        # One adaptation per lab at a time: two clicks must not start two.
        Lab.objects.select_for_update().get(pk=lab.pk)
        if running_job(lab) is not None:
            raise AdaptationRefusedError(_("An adaptation is already running for this lab."))
        job = AdaptationJob.objects.create(
            lab=lab,
            requested_by=user,
            parent=parent,
            trained_cells=[cell.sha256 for cell in train],
            held_out_cells=[cell.sha256 for cell in held_out],
            cell_counts=counts,
        )
        record(request, AuditEvent.Action.ADAPTATION_STARTED, obj=job, parent=parent.name)
        run_adaptation.delay_on_commit(job.pk)
    return job


def cancel(request, job: AdaptationJob) -> bool:
    """Ask a queued or running job to stop. Harmless to repeat; True if it asked."""
    if not job.is_pending:
        return False
    if job.request_cancel():
        record(request, AuditEvent.Action.ADAPTATION_CANCELLED, obj=job)
    # A worker that died mid-run never reads the flag: past its time limit the row is ended here,
    # so that the lab can start again.
    stale = timezone.now() - datetime.timedelta(seconds=settings.ADAPTATION_TIME_LIMIT + 300)
    AdaptationJob.objects.filter(
        pk=job.pk, status=AdaptationJob.Status.RUNNING, started__lt=stale
    ).update(status=AdaptationJob.Status.CANCELLED, finished=timezone.now())
    return True


def activate(request, job: AdaptationJob) -> bool:
    """Make a done job's result the lab's model. Harmless to repeat; True if it changed."""
    with transaction.atomic():
        job = AdaptationJob.objects.select_for_update().get(pk=job.pk)
        if job.status != AdaptationJob.Status.DONE or job.result is None:
            return False
        if job.decision not in ("", AdaptationJob.Decision.ROLLED_BACK):
            return False
        lab = Lab.objects.select_for_update().get(pk=job.lab_id)
        job.replaced_id = lab.model_version_id
        job.decision = AdaptationJob.Decision.ACTIVATED
        job.save(update_fields=["replaced", "decision"])
        lab.model_version = job.result
        lab.save(update_fields=["model_version"])
    record(request, AuditEvent.Action.ADAPTATION_ACTIVATED, obj=job, model_version=job.result.name)
    return True


def discard(request, job: AdaptationJob) -> bool:
    """Set a done, undecided job's result aside. Harmless to repeat; True if it changed."""
    moved = AdaptationJob.objects.filter(
        pk=job.pk, status=AdaptationJob.Status.DONE, decision=""
    ).update(decision=AdaptationJob.Decision.DISCARDED)
    if moved:
        record(request, AuditEvent.Action.ADAPTATION_DISCARDED, obj=job)
    return moved == 1


def roll_back(request, job: AdaptationJob) -> bool:
    """Give the lab back the version it had before the job's result. True if it changed."""
    with transaction.atomic():
        job = AdaptationJob.objects.select_for_update().get(pk=job.pk)
        lab = Lab.objects.select_for_update().get(pk=job.lab_id)
        if job.decision != AdaptationJob.Decision.ACTIVATED:
            return False
        if lab.model_version_id != job.result_id:  # the lab has moved on since
            return False
        lab.model_version_id = job.replaced_id
        lab.save(update_fields=["model_version"])
        job.decision = AdaptationJob.Decision.ROLLED_BACK
        job.save(update_fields=["decision"])
    record(
        request,
        AuditEvent.Action.ADAPTATION_ROLLED_BACK,
        obj=job,
        model_version=str(ModelVersion.for_lab(lab)),
    )
    return True
