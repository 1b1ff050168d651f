"""Find the images whose work was lost, and put them back in the queue's hands.

Two ways an image can be lost between upload and result:
    abandoned   it is "running" under a claim whose worker process stopped beating (killed
                with SIGKILL, out of memory, its machine gone): the claim is released, queued
    unsent      the broker refused its task when the upload committed (Redis down): marked
                `unsent` by classifier.tasks.queue_classification
    lost        it is "queued" but the broker holds no task for it (classifier.broker_queue)
tasks.recover_lost_work sends them again, on a short beat and whenever a worker starts. A task
sent twice is harmless: only one claim can succeed.
"""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from classifier.models import CellImage, WorkerHeartbeat

BATCH = 1000  # per sweep; the next sweep takes the rest
# A queued image with no task in the broker for this long has lost its message (a worker's
# connection dropped as it popped it, or Redis restarted without it): sent again.
LOST_AFTER = datetime.timedelta(seconds=30)


def abandoned_claims(now: datetime.datetime | None = None) -> QuerySet[CellImage]:
    """Running images whose claiming process has no fresh heartbeat.

    A claim younger than STALE_AFTER is left alone: its process may not have beaten yet.
    """
    now = now or timezone.now()
    live = WorkerHeartbeat.live(now).values("name")
    return (
        CellImage.objects.filter(status=CellImage.Status.RUNNING)
        .filter(Q(claimed_at__lt=now - WorkerHeartbeat.STALE_AFTER) | Q(claimed_at__isnull=True))
        .exclude(claimed_by__in=live)
    )


def release_abandoned_claims(now: datetime.datetime | None = None) -> list[int]:
    """running -> queued for abandoned claims; returns the ids released (to be sent again)."""
    now = now or timezone.now()
    image_ids = list(abandoned_claims(now).values_list("pk", flat=True)[:BATCH])
    # Conditional on the status: a claim finished meanwhile stays finished.
    CellImage.objects.filter(pk__in=image_ids, status=CellImage.Status.RUNNING).update(
        status=CellImage.Status.QUEUED, claimed_by="", claimed_at=None, updated=now
    )
    return image_ids


def release_lost_messages(waiting: set[int], now: datetime.datetime | None = None) -> list[int]:
    """Queued images untouched for LOST_AFTER with no task in the broker (`waiting`: the ids it
    holds, classifier.broker_queue); their `updated` is touched, so each is sent at most once
    per LOST_AFTER. Returns their ids."""
    now = now or timezone.now()
    candidates = CellImage.objects.filter(
        status=CellImage.Status.QUEUED, unsent=False, updated__lt=now - LOST_AFTER
    )
    image_ids = [
        image_id
        for image_id in candidates.values_list("pk", flat=True)[: BATCH * 10]
        if image_id not in waiting
    ][:BATCH]
    CellImage.objects.filter(pk__in=image_ids).update(updated=now)
    return image_ids


def take_unsent() -> list[int]:
    """Ids of queued images whose task never reached the broker; their mark is cleared (the
    sender marks them again if the broker still refuses)."""
    image_ids = list(
        CellImage.objects.filter(status=CellImage.Status.QUEUED, unsent=True).values_list(
            "pk", flat=True
        )[:BATCH]
    )
    CellImage.objects.filter(pk__in=image_ids).update(unsent=False)
    return image_ids


def forget_old_heartbeats(now: datetime.datetime | None = None) -> int:
    """Delete the rows of processes gone for a day; returns how many."""
    before = (now or timezone.now()) - WorkerHeartbeat.FORGET_AFTER
    deleted, _by_model = WorkerHeartbeat.objects.filter(beat_at__lt=before).delete()
    return deleted
