"""Explanations of retained images, asked for by the review page and made on the "explain" queue:
the Grad-CAM heatmap (Heatmap) and the LIME picture (LimeExplanation).

The web process only queues; `render_overlay_png` (TensorFlow through ml.explain.gradcam) and
`render_lime_png` (ml.explain.lime on the model.tflite the image was classified with) run in the
worker.
An explanation exists only while its image file does: the image purge (classifier/purge.py)
deletes it with the file, and `purge_for_image` throws away one finished after that purge.
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

from classifier.inference import classifier_for
from classifier.models import CellImage
from review.models import Explanation, Heatmap, LimeExplanation

logger = logging.getLogger(__name__)


class HeatmapUnavailableError(Exception):
    """The image file is gone (or the image has no prediction), so there is nothing to explain."""


def request_heatmap(image: CellImage) -> Heatmap:
    """Queue a Grad-CAM heatmap unless one is done or on its way; a failed one is tried again."""
    from review.tasks import compute_heatmap

    return _request(image, Heatmap, compute_heatmap)


def request_lime(image: CellImage) -> LimeExplanation:
    """Queue a LIME picture unless one is done or on its way; a failed one is tried again."""
    from review.tasks import compute_lime

    return _request(image, LimeExplanation, compute_lime)


def _request(image: CellImage, model: type[Explanation], task) -> Explanation:
    if not image.has_file or getattr(image, "prediction", None) is None:
        raise HeatmapUnavailableError
    explanation, created = model.objects.get_or_create(image=image)
    requeued = model.objects.filter(pk=explanation.pk, status=model.Status.FAILED).update(
        status=model.Status.QUEUED, error="", updated=timezone.now()
    )
    if created or requeued:
        task.delay_on_commit(image.pk)
        explanation.refresh_from_db()
    return explanation


def claim_heatmap(image_id: int, model: type[Explanation] = Heatmap) -> Explanation | None:
    """queued -> running (or take over a claim older than the task time limit); None if not ours."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimable = Q(status=model.Status.QUEUED) | Q(status=model.Status.RUNNING, claimed_at__lt=stale)
    claimed = model.objects.filter(claimable, image_id=image_id).update(
        status=model.Status.RUNNING, claimed_at=now, updated=now
    )
    if claimed != 1:
        return None
    return model.objects.select_related("image__prediction__model_version").get(image_id=image_id)


@lru_cache(maxsize=2)
def _keras_model(bundle_dir: str):
    # Loaded once per worker process and model version: loading takes seconds.
    from ml.explain.gradcam import load_keras_model

    return load_keras_model(Path(bundle_dir))


def render_overlay_png(image: CellImage) -> tuple[bytes, str]:
    """(Grad-CAM overlay as PNG bytes, the label explained): the model's predicted class."""
    from ml.explain.gradcam import gradcam_heatmap
    from ml.explain.render import render_overlay
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


def render_lime_png(image: CellImage) -> tuple[bytes, str]:
    """(LIME picture as PNG bytes, the label explained): the model's predicted class, through the
    model.tflite of the version that classified the image (no TensorFlow needed)."""
    from ml.explain.lime import lime_weights
    from ml.explain.render import render_lime
    from ml.serving import framed_region, load_image, model_input

    prediction = image.prediction
    version = prediction.model_version
    classifier = classifier_for(version)
    picture = load_image(image.path)
    array = model_input([picture], classifier.image_size, classifier.resize_rule)[0]
    picture = framed_region(picture, classifier.resize_rule)
    segment_map, weights = lime_weights(
        classifier.probabilities, array, version.labels.index(prediction.label)
    )
    buffer = io.BytesIO()
    render_lime(picture, segment_map, weights).save(buffer, format="PNG")
    return buffer.getvalue(), prediction.label


def store_png(explanation: Explanation, png: bytes, label: str) -> None:
    """Write the PNG (temporary name, then rename) and mark the explanation done.

    If the image file was purged meanwhile, the new PNG is deleted at once.
    """
    model = type(explanation)
    relative = f"{model.files_dir}/{uuid.uuid4().hex}.png"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(png)
    partial.replace(target)
    done = model.objects.filter(pk=explanation.pk, status=model.Status.RUNNING).update(
        status=model.Status.DONE, file=relative, label=label, error="", updated=timezone.now()
    )
    image = CellImage.objects.get(pk=explanation.image_id)
    if done != 1 or not image.has_file:
        target.unlink(missing_ok=True)
        purge_for_image(image)


def mark_failed(explanation: Explanation, reason: str) -> None:
    type(explanation).objects.filter(pk=explanation.pk).update(
        status=Explanation.Status.FAILED, error=reason[:2000], updated=timezone.now()
    )


def purge_for_image(image: CellImage) -> bool:
    """Delete the image's explanations (files and rows). Harmless to repeat; True if one went."""
    deleted = False
    for model in (Heatmap, LimeExplanation):
        explanation = model.objects.filter(image_id=image.pk).first()
        if explanation is not None:
            explanation.purge_file()
            deleted = True
    return deleted
