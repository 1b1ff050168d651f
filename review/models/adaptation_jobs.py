"""A lab adapting its model to its reviewed cells, as a background job."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AdaptationJob(models.Model):
    """One adaptation of a lab's model to the lab's own reviewed cells (review/adaptation/).

    queued -> running       the train worker claims the row (conditional update)
    queued -> cancelled     the lab admin cancels before it starts
    running -> done         a new bundle and its report are stored (`result`); final
    running -> failed       the subprocess failed or the report refused it, with `error`; final
    running -> cancelled    the lab admin cancelled; the subprocess is ended, no bundle; final

    A done job's result is then activated for the lab, or discarded (`decision`).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Decision(models.TextChoices):
        """What the lab admin did with a done job's result.

        "" -> activated       the result classifies the lab's images
        "" -> discarded       the result is set aside; final
        activated -> rolled_back   the lab went back to the version it had before; final
        """

        PENDING = "", _("Not decided")
        ACTIVATED = "activated", _("Activated")
        DISCARDED = "discarded", _("Discarded")
        ROLLED_BACK = "rolled_back", _("Rolled back")

    PENDING_STATUSES = (Status.QUEUED, Status.RUNNING)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lab = models.ForeignKey("accounts.Lab", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    decision = models.CharField(
        _("decision"), max_length=16, choices=Decision.choices, default="", blank=True
    )
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    stage = models.CharField(_("stage"), max_length=32, blank=True)
    epoch = models.PositiveSmallIntegerField(_("epoch"), default=0)
    epochs = models.PositiveSmallIntegerField(_("epochs"), default=0)
    percent = models.FloatField(_("progress (%)"), default=0.0)
    seconds_left = models.PositiveIntegerField(_("seconds left"), null=True, blank=True)
    # Image ids: the cells trained on and the stratified share kept apart to judge the result.
    trained_cells = models.JSONField(_("cells trained on"), default=list, blank=True)
    held_out_cells = models.JSONField(_("held-out cells"), default=list, blank=True)
    cell_counts = models.JSONField(_("cells per class"), default=dict, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    parent = models.ForeignKey(
        "classifier.ModelVersion", on_delete=models.PROTECT, related_name="+"
    )
    result = models.ForeignKey(
        "classifier.ModelVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adaptation_jobs",
    )
    # The lab's own version before the result was activated (None: the portal's active one).
    replaced = models.ForeignKey(
        "classifier.ModelVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("adaptation job")
        verbose_name_plural = _("adaptation jobs")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.lab}: {self.parent} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING_STATUSES

    def claim(self) -> bool:
        """queued -> running; True only for the one worker that moved it."""
        moved = AdaptationJob.objects.filter(pk=self.pk, status=self.Status.QUEUED).update(
            status=self.Status.RUNNING, started=timezone.now(), stage="start"
        )
        self.refresh_from_db()
        return moved == 1

    def request_cancel(self) -> bool:
        """Ask the job to stop: a queued job is cancelled now, a running one by its worker."""
        AdaptationJob.objects.filter(pk=self.pk, status=self.Status.QUEUED).update(
            status=self.Status.CANCELLED, finished=timezone.now(), cancel_requested=True
        )
        moved = AdaptationJob.objects.filter(pk=self.pk, status=self.Status.RUNNING).update(
            cancel_requested=True
        )
        self.refresh_from_db()
        return moved == 1 or self.status == self.Status.CANCELLED

    def record_progress(self, line: dict) -> None:
        """Store the latest line of the adaptation's progress file."""
        AdaptationJob.objects.filter(pk=self.pk, status=self.Status.RUNNING).update(
            stage=str(line.get("stage", ""))[:32],
            percent=float(line.get("percent") or 0.0),
            epoch=int(line.get("epoch") or 0),
            epochs=int(line.get("epochs") or 0),
            seconds_left=line.get("seconds_left"),
        )

    def finish(self, status: str, error: str = "", **fields) -> None:
        """running -> done, failed or cancelled, with what the run produced."""
        AdaptationJob.objects.filter(pk=self.pk, status=self.Status.RUNNING).update(
            status=status, error=error[:2000], finished=timezone.now(), **fields
        )
        self.refresh_from_db()
