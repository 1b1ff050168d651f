"""Corrections kept for model improvement: a reviewer's label that differs from the model's.

A correction keeps the checksum, model version, predicted and corrected label and reviewer;
with the uploader's consent the image file is copied to MEDIA_ROOT/feedback/<sha256>.<ext>
(`manage.py export_feedback` writes them out for training). The copy is deleted with the image
file when the lab's retention period ends (classifier/purge.py); the row stays.
"""

import shutil
from pathlib import Path

from django.conf import settings

from classifier.models import CellImage
from review.models import Feedback, Review

FEEDBACK_DIR = Feedback.files_dir


def record_feedback(review: Review) -> Feedback | None:
    """Keep a correction for model improvement (the image too, where consent was given).

    An accepted label removes an earlier correction of the same image. Returns the feedback row.
    """
    image = review.image
    if not review.is_correction:
        for feedback in Feedback.objects.filter(image=image):
            _delete_feedback(feedback)
        return None
    feedback, _created = Feedback.objects.update_or_create(
        image=image,
        defaults={
            "lab_id": image.case.lab_id,
            "sha256": image.sha256,
            "model_version": image.prediction.model_version,
            "predicted_label": review.predicted_label,
            "corrected_label": review.label,
            "reviewer": review.reviewer,
            "consent": image.consent_retain,
        },
    )
    if image.consent_retain and image.has_file and not feedback.file:
        feedback.file = _copy_feedback_file(image)
        feedback.save(update_fields=["file", "updated"])
    return feedback


def _copy_feedback_file(image: CellImage) -> str:
    """Copy the retained file to feedback/<sha256><ext> (temporary name, then rename)."""
    source = image.path
    relative = f"{FEEDBACK_DIR}/{image.sha256}{source.suffix.lower()}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(source, partial)
    partial.replace(target)
    return relative


def _delete_feedback(feedback: Feedback) -> None:
    path = feedback.path
    feedback.delete()
    # Another correction of an identical image (same checksum) may share the file.
    if path is not None and not Feedback.objects.filter(file=feedback.file).exists():
        path.unlink(missing_ok=True)
