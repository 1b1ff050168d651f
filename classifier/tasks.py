"""Celery tasks: classify one image through the cell finder (queue "classify"); purge the files
of a signed case kept only for its review (queued by review.services.sign_off); purge expired
files, and requeue images whose work was lost (periodic, and when a worker starts); the last four
on queue "celery".

classify_image(image_id) is safe to run twice and safe under acks_late: it claims its row with
a conditional update (classifier/classification.py) and goes on only if exactly that one row
changed. Transient errors (database hiccups, no active model yet) are retried with exponential
backoff and jitter; anything else marks the row failed with its reason, so no image stays
pending.
"""

import datetime
import logging

from celery import current_app, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from classifier import broker_queue, purge, recovery
from classifier.classification import (
    MAX_RETRIES,
    RETRY_BACKOFF_MAX,
    TRANSIENT_ERRORS,
    claim_image,
    classify_upload,
    describe_failure,
    fail_image,
    release_claim,
)
from classifier.models import Case, CellImage

logger = logging.getLogger(__name__)

# A queued image untouched for this long has probably lost its message (broker restarted,
# or down when the upload committed); requeue_stuck_images sends it again.
STUCK_AFTER = datetime.timedelta(minutes=10)


@shared_task(bind=True, max_retries=MAX_RETRIES)
def classify_image(self, image_id: int) -> str:
    """Classify one CellImage by id; returns its final status (or "skipped")."""
    image = claim_image(image_id)
    if image is None:
        return "skipped"
    try:
        classify_upload(image)
    except TRANSIENT_ERRORS as error:
        release_claim(image)
        if self.request.retries >= self.max_retries:
            fail_image(
                image,
                _("gave up after %(count)d attempts: %(error)s")
                % {
                    "count": self.request.retries + 1,
                    "error": error,
                },
            )
            return CellImage.Status.FAILED
        countdown = get_exponential_backoff_interval(
            factor=2, retries=self.request.retries, maximum=RETRY_BACKOFF_MAX, full_jitter=True
        )
        logger.info("Image %s: %s; retrying in %ss", image_id, error, countdown)
        raise self.retry(exc=error, countdown=countdown) from error
    except Exception as error:
        fail_image(image, describe_failure(error))
        return CellImage.Status.FAILED
    return CellImage.Status.DONE


@shared_task
def purge_signed_case(case_id: int) -> int:
    """Delete the files of a signed case's images that were kept only for its review.

    Queued by review.services.sign_off once the sign-off has committed; safe to run twice.
    Returns how many files were deleted.
    """
    images = CellImage.objects.filter(
        case_id=case_id, case__status=Case.Status.SIGNED, consent_retain=False
    ).exclude(file="")
    purged = 0
    for image_id in images.values_list("pk", flat=True).iterator():
        if purge.purge_image_file(image_id, reason="case signed off, not retained"):
            purged += 1
    return purged


def expired_images() -> QuerySet[CellImage]:
    """Finished images whose file must go now.

    With consent: the lab's retention period has ended. Without: the case is signed off (its
    own task may have been lost), the lab's longest wait for sign-off has passed, or the image
    predates `retain_until` for unconsented files (they went once classified then).
    """
    finished = [CellImage.Status.DONE, CellImage.Status.FAILED]
    expired = Q(retain_until__lte=timezone.now()) | Q(
        Q(case__status=Case.Status.SIGNED) | Q(retain_until__isnull=True), consent_retain=False
    )
    return CellImage.objects.exclude(file="").filter(expired, status__in=finished)


def purge_reason(consent_retain: bool, case_status: str) -> str:
    if consent_retain:
        return "retention period ended"
    if case_status == Case.Status.SIGNED:
        return "case signed off, not retained"
    return "not signed off in time, not retained"


@shared_task
def purge_expired_images() -> int:
    """Delete the files whose time is up (expired_images); returns how many were deleted.

    The rows stay, with checksum, size and prediction.
    """
    purged = 0
    rows = expired_images().values_list("pk", "consent_retain", "case__status")
    for image_id, consent_retain, case_status in rows.iterator():
        if purge.purge_image_file(image_id, reason=purge_reason(consent_retain, case_status)):
            purged += 1
    if purged:
        logger.info("Purged %d image files", purged)
    return purged


@shared_task
def requeue_stuck_images() -> int:
    """Send classify_image again for images whose task message seems lost; returns how many.

    Safe even when the message was not lost: the claim lets only one task work on a row.
    Each image is sent at most once per STUCK_AFTER, since sending it touches `updated`.
    """
    now = timezone.now()
    stale_claim = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    stuck = CellImage.objects.filter(
        Q(status=CellImage.Status.QUEUED)
        | Q(status=CellImage.Status.RUNNING, claimed_at__lt=stale_claim),
        updated__lt=now - STUCK_AFTER,
    )
    image_ids = list(stuck.values_list("pk", flat=True)[:1000])
    CellImage.objects.filter(pk__in=image_ids).update(updated=now)
    for image_id in image_ids:
        classify_image.delay(image_id)
    if image_ids:
        logger.warning("Requeued %d images whose task seemed lost", len(image_ids))
    return len(image_ids)


def queue_classification(image_id: int) -> bool:
    """Send classify_image for a committed image; True if the broker took it.

    When the broker refuses (Redis down), the row is marked `unsent` and the upload goes on:
    recover_lost_work sends it once the broker is back.
    """
    try:
        classify_image.delay(image_id)
    except Exception as error:  # kombu, redis and socket errors alike: the mark covers them all
        logger.warning("Image %s: classify task not sent (%s); marked unsent", image_id, error)
        CellImage.objects.filter(pk=image_id, status=CellImage.Status.QUEUED).update(unsent=True)
        return False
    return True


@shared_task
def recover_lost_work() -> int:
    """Requeue the claims of dead worker processes, send the tasks the broker refused and those
    it lost (classifier/recovery.py); returns how many images were sent."""
    image_ids = recovery.release_abandoned_claims() + recovery.take_unsent()
    waiting = broker_queue.waiting_image_ids(current_app)
    if waiting is not None:
        image_ids += recovery.release_lost_messages(waiting)
    sent = sum(queue_classification(image_id) for image_id in image_ids)
    recovery.forget_old_heartbeats()
    if image_ids:
        logger.warning("Recovered %d images (%d sent)", len(image_ids), sent)
    return sent
