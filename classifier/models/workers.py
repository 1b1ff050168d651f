"""The Celery worker processes, as each one reports itself while it lives."""

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One Celery worker process ("host:pid"), refreshed every few seconds by a thread in it.

    A claim (CellImage.claimed_by) names the process that made it; once that process's row is
    older than STALE_AFTER, the process is taken for dead and its claims are requeued
    (classifier.recovery). The database holds both, so the check is one query and stays right
    while the broker is down.
    """

    INTERVAL = datetime.timedelta(seconds=5)
    # Three missed beats: a process busy in a long model call still beats from its thread.
    STALE_AFTER = datetime.timedelta(seconds=20)
    # Rows of processes gone for this long are deleted by the next sweep.
    FORGET_AFTER = datetime.timedelta(days=1)

    name = models.CharField(_("process"), max_length=200, unique=True)
    started = models.DateTimeField(_("started"), default=timezone.now)
    beat_at = models.DateTimeField(_("last heartbeat"), default=timezone.now, db_index=True)
    # Whether it takes classification tasks (the "classify" queue): /healthz counts only these,
    # since a heatmap or training worker alone classifies nothing.
    classifies = models.BooleanField(_("classifies images"), default=True)
    # The model version this process loaded when it started (null: none, or it failed).
    model_version = models.ForeignKey(
        "classifier.ModelVersion",
        verbose_name=_("model version loaded"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def live(cls, now: datetime.datetime | None = None) -> models.QuerySet["WorkerHeartbeat"]:
        """Processes that beat within STALE_AFTER."""
        return cls.objects.filter(beat_at__gte=(now or timezone.now()) - cls.STALE_AFTER)

    @classmethod
    def live_classifiers(cls) -> models.QuerySet["WorkerHeartbeat"]:
        """Live processes that take classification tasks."""
        return cls.live().filter(classifies=True)
