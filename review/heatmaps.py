"""Grad-CAM heatmaps of retained images: asked for by the review page, made on the "explain" queue.

The web process only queues; `render_overlay_png` (TensorFlow through ml.explain) runs in the
worker. A heatmap exists only while its image file does: `purge_for_image` deletes it with the file.
"""

import datetime
import io
import logging
import uuid
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from classifier.models import CellImage
from review.models import Heatmap

logger = logging.getLogger(__name__)

HEATMAPS_DIR = "heatmaps"


class HeatmapUnavailableError(Exception):
    """The image file is gone (or the image has no prediction), so there is nothing to explain."""


def request_heatmap(image: CellImage) -> Heatmap:
    """Queue a heatmap unless one is done or on its way; a failed one is tried again."""
    from review.tasks import compute_heatmap

    if not image.has_file or getattr(image, "prediction", None) is None:
        raise HeatmapUnavailableError
    heatmap, created = Heatmap.objects.get_or_create(image=image)
    requeued = Heatmap.objects.filter(pk=heatmap.pk, status=Heatmap.Status.FAILED).update(
        status=Heatmap.Status.QUEUED, error="", updated=timezone.now()
    )
    if created or requeued:
        compute_heatmap.delay_on_commit(image.pk)
        heatmap.refresh_from_db()
    return heatmap


def claim_heatmap(image_id: int) -> Heatmap | None:
    """queued -> running (or take over a claim older than the task time limit); None if not ours."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimable = Q(status=Heatmap.Status.QUEUED) | Q(
        status=Heatmap.Status.RUNNING, claimed_at__lt=stale
    )
    claimed = Heatmap.objects.filter(claimable, image_id=image_id).update(
        status=Heatmap.Status.RUNNING, claimed_at=now, updated=now
    )
    if claimed != 1:
        return None
    return Heatmap.objects.select_related("image__prediction__model_version").get(image_id=image_id)


@lru_cache(maxsize=2)
def _keras_model(bundle_dir: str):
    # Loaded once per worker process and model version: loading takes seconds.
    from ml.explain import load_keras_model

    return load_keras_model(Path(bundle_dir))


def render_overlay_png(image: CellImage) -> tuple[bytes, str]:
    """(Grad-CAM overlay as PNG bytes, the label explained): the model's predicted class."""
    from ml.explain import gradcam_heatmap, render_overlay
    from ml.serving import STRETCH, framed_region, load_image, model_input

    prediction = image.prediction
    version = prediction.model_version
    size = int(version.input_spec.get("size", 224))
    rule = version.input_spec.get("resize", STRETCH)
    picture = load_image(image.path)
    array = model_input([picture], size, rule)[0]
    picture = framed_region(picture, rule)
    model = _keras_model(str(version.bundle_dir))
    cam = gradcam_heatmap(model, array, version.labels.index(prediction.label))
    buffer = io.BytesIO()
    render_overlay(picture, cam).save(buffer, format="PNG")
    return buffer.getvalue(), prediction.label


def store_png(heatmap: Heatmap, png: bytes, label: str) -> None:
    """Write the PNG (temporary name, then rename) and mark the heatmap done.

    If the image file was purged meanwhile, the new PNG is deleted at once.
    """
    relative = f"{HEATMAPS_DIR}/{uuid.uuid4().hex}.png"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(png)
    partial.replace(target)
    done = Heatmap.objects.filter(pk=heatmap.pk, status=Heatmap.Status.RUNNING).update(
        status=Heatmap.Status.DONE, file=relative, label=label, error="", updated=timezone.now()
    )
    image = CellImage.objects.get(pk=heatmap.image_id)
    if done != 1 or not image.has_file:
        target.unlink(missing_ok=True)
        purge_for_image(image)


def mark_failed(heatmap: Heatmap, reason: str) -> None:
    Heatmap.objects.filter(pk=heatmap.pk).update(
        status=Heatmap.Status.FAILED, error=reason[:2000], updated=timezone.now()
    )


def purge_for_image(image: CellImage) -> bool:
    """Delete the image's heatmap (file and row). Harmless to repeat; True if one was deleted."""
    heatmap = Heatmap.objects.filter(image_id=image.pk).first()
    if heatmap is None:
        return False
    heatmap.purge_file()
    return True
