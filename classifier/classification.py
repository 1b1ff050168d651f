"""The work of classifying one upload, from claiming its row to storing what it is.

claim_image moves a row queued -> running with a conditional update (or takes over a claim older
than the hard time limit), so the task is safe to run twice and under acks_late; classify_upload
sends the image through the cell finder and stores one cell, a field with its white cells, or no
blood cells; store_result writes a prediction, the status and the audit entry in one
transaction; fail_image records a permanent failure. classifier/tasks.py wraps them in the
Celery task with its retries.
"""

import datetime
import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import record
from classifier import fields, heartbeat, inference, purge
from classifier.labels import NOT_A_FOUND_WHITE_CELL
from classifier.models import CellImage

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError, inference.NoActiveModelError)
MAX_RETRIES = 5
RETRY_BACKOFF_MAX = 120  # seconds
# A claim is counted even when the worker dies under it (acks_late redelivers the task), so an
# image that keeps killing its worker is given up after this many claims.
MAX_ATTEMPTS = MAX_RETRIES + 3


def claim_image(image_id: int) -> CellImage | None:
    """Move the row queued -> running (or take over a claim older than the hard time limit).

    Returns the claimed image, or None when it is gone, finished, or being worked on.
    """
    now = timezone.now()
    stale_before = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimable = Q(status=CellImage.Status.QUEUED) | Q(
        status=CellImage.Status.RUNNING, claimed_at__lt=stale_before
    )
    claimed = (
        CellImage.objects.filter(claimable, pk=image_id)
        .filter(attempts__lt=MAX_ATTEMPTS)
        .update(
            status=CellImage.Status.RUNNING,
            claimed_at=now,
            claimed_by=heartbeat.process_name(),
            attempts=F("attempts") + 1,
            updated=now,
        )
    )
    image = CellImage.objects.select_related("case__lab").filter(pk=image_id).first()
    if image is None:
        logger.info("Image %s is gone; nothing to classify", image_id)
        return None
    if claimed != 1:
        if image.attempts >= MAX_ATTEMPTS and image.is_pending:
            fail_image(image, _("classification was interrupted too many times"))
        logger.info("Image %s is %s; not claimed", image_id, image.status)
        return None
    return image


def fail_image(image: CellImage, reason: str) -> None:
    """Permanent failure: record the reason; without consent the file goes at once (there is
    no prediction to review, so nothing to keep it for)."""
    logger.warning("Image %s failed: %s", image.pk, reason)
    image.mark_failed(reason)
    if not image.consent_retain:
        purge.purge_image_file(image.pk, reason="failed, not retained")
    image.case.finish_processing_if_complete()


def release_claim(image: CellImage) -> None:
    """running -> queued, so that the retried task can claim the row again."""
    CellImage.objects.filter(pk=image.pk, status=CellImage.Status.RUNNING).update(
        status=CellImage.Status.QUEUED, claimed_at=None, claimed_by="", updated=timezone.now()
    )


def store_result(image: CellImage, result: inference.InferenceResult) -> None:
    """The prediction, the image's status and the audit entry in one transaction (one commit),
    then the case's status."""
    with transaction.atomic():
        _record_result(image, result)
    # Without consent the file stays too: the reviewers look at it until the case is signed off.
    image.case.finish_processing_if_complete()


def _record_result(image: CellImage, result: inference.InferenceResult) -> None:
    prediction = image.record_prediction(
        model_version=result.version,
        label=result.label,
        confidence=result.confidence,
        probabilities=result.probabilities,
        elapsed_ms=result.elapsed_ms,
        appearance=result.appearance,
        flag=contradicts_finder(image, result.label),
    )
    record(
        None,
        AuditEvent.Action.PREDICTION,
        obj=image,
        label=prediction.label,
        confidence=round(prediction.confidence, 4),
        unidentified=prediction.unidentified,
        model_version=str(result.version.public_id),
    )


def contradicts_finder(image: CellImage, label: str) -> bool:
    """A white cell cropped from a field that the classifier calls something no white cell
    is (a platelet): one of the two is wrong, so a reviewer decides."""
    return image.field_id is not None and label in NOT_A_FOUND_WHITE_CELL


def describe_failure(error: Exception) -> str:
    """The reason stored on a failed image; unexpected errors are logged with their traceback."""
    from ml.serving import BundleError, ImageDecodeError

    if isinstance(error, ImageDecodeError):
        return _("the image could not be decoded")
    if isinstance(error, inference.ImageFileMissingError):
        return _("the image file is missing")
    if isinstance(error, BundleError):
        return _("the active model could not be loaded: %(error)s") % {"error": error}
    logger.error("Unexpected error while classifying", exc_info=error)
    return _("unexpected error: %(error)s") % {"error": f"{type(error).__name__}: {error}"}


def classify_upload(image: CellImage) -> None:
    """Send the image through the cell finder, then store what it is: one cell (classified as a
    whole), a field (its counts, and each white cell as a child image classified on its crop,
    all in one model call) or no blood cells. A field's child is classified as it is."""
    from ml.serving.finder import CELL, FIELD

    if image.field_id is not None:
        store_result(image, inference.classify(image))
        return
    picture, route = inference.find_cells(image)
    if route.kind == CELL:
        [result] = inference.classify_pictures(image, [picture])
        store_result(image, result)
        return
    if route.kind == FIELD:
        children = fields.field_cells(image, route)
        # A redelivered task finds the children made and maybe classified: only the rest go.
        same_cells = len(children) == len(route.inputs)
        crops = dict(zip(children, route.inputs, strict=True)) if same_cells else {}
        unclassified = [child for child in children if not hasattr(child, "prediction")]
        pictures = [crops.get(child) or inference.open_stored(child) for child in unclassified]
        if unclassified:
            results = inference.classify_pictures(image, pictures)
            for child, result in zip(unclassified, results, strict=True):
                store_result(child, result)
    image.record_finding(route.kind, reason=route.reason, **fields.finding(route))
    image.case.finish_processing_if_complete()
