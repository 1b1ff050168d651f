"""Celery task on the "explain" queue: the Grad-CAM heatmap of one retained image.

Safe to run twice: it claims the Heatmap row (queued -> running) and goes on only if it did.
A failure is stored with its reason and never retried automatically (asking again re-queues it).
"""

import logging

from celery import shared_task

from review import heatmaps

logger = logging.getLogger(__name__)


@shared_task
def compute_heatmap(image_id: int) -> str:
    """Compute and store the heatmap of CellImage `image_id`; returns the heatmap's status."""
    heatmap = heatmaps.claim_heatmap(image_id)
    if heatmap is None:
        logger.info("Heatmap of image %s is gone or already claimed", image_id)
        return "skipped"
    image = heatmap.image
    if not image.has_file:
        heatmaps.purge_for_image(image)
        return "purged"
    try:
        png, label = heatmaps.render_overlay_png(image)
    except Exception as error:
        logger.warning("Heatmap of image %s failed", image_id, exc_info=True)
        heatmaps.mark_failed(heatmap, f"{type(error).__name__}: {error}")
        return heatmaps.Heatmap.Status.FAILED
    heatmaps.store_png(heatmap, png, label)
    return heatmaps.Heatmap.Status.DONE
