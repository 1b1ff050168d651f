"""Celery tasks on the "explain" queue: the Grad-CAM heatmap and the LIME picture of one
retained image; on the "train" queue, a lab's model adaptation.

Safe to run twice: each claims its row (queued -> running) and goes on only if it did. A failure
is stored with its reason and never retried automatically (asking again re-queues it).
"""

import logging

from celery import shared_task
from django.conf import settings

from review import heatmaps
from review.adaptation import runner

logger = logging.getLogger(__name__)


@shared_task
def compute_heatmap(image_id: int) -> str:
    """Compute and store the Grad-CAM heatmap of CellImage `image_id`; returns its status."""
    return _compute(image_id, heatmaps.Heatmap, heatmaps.render_overlay_png)


@shared_task
def compute_lime(image_id: int) -> str:
    """Compute and store the LIME picture of CellImage `image_id`; returns its status."""
    return _compute(image_id, heatmaps.LimeExplanation, heatmaps.render_lime_png)


def _compute(image_id: int, model, render) -> str:
    explanation = heatmaps.claim_heatmap(image_id, model)
    if explanation is None:
        logger.info("%s of image %s is gone or already claimed", model.__name__, image_id)
        return "skipped"
    image = explanation.image
    if not image.has_file:
        heatmaps.purge_for_image(image)
        return "purged"
    try:
        png, label = render(image)
    except Exception as error:
        logger.warning("%s of image %s failed", model.__name__, image_id, exc_info=True)
        heatmaps.mark_failed(explanation, f"{type(error).__name__}: {error}")
        return model.Status.FAILED
    heatmaps.store_png(explanation, png, label)
    return model.Status.DONE


# The runner ends the subprocess at ADAPTATION_TIME_LIMIT itself; Celery's limits (the portal's
# default is minutes shorter) are only the backstop behind it.
@shared_task(
    acks_late=False,
    soft_time_limit=settings.ADAPTATION_TIME_LIMIT + 120,
    time_limit=settings.ADAPTATION_TIME_LIMIT + 180,
)
def run_adaptation(job_id: int) -> str:
    """Run AdaptationJob `job_id` on the "train" queue (review/adaptation/runner.py). Not
    acknowledged late: a worker lost mid-run must not start minutes of training again; the row
    then stays running and the lab admin cancels it."""
    return runner.run_job(job_id)
