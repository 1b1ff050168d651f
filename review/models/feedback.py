"""Corrections kept for retraining (with a consented copy of the image)."""

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from classifier.purge import DerivedFromImage


class Feedback(DerivedFromImage, models.Model):
    """A correction (reviewed label differs from the model's) kept for model improvement.

    `file` is a copy under MEDIA_ROOT/<files_dir>/ made only when the uploader consented, for
    `export_feedback` to write out while the image is kept. It shows the cell, so the image purge
    (classifier/purge.py, through DerivedFromImage) deletes it with the image file when the
    lab's retention period ends; the row, with its labels and checksum, stays. The image row may
    go; this stays too.
    """

    files_dir = "feedback"

    image = models.OneToOneField(
        "classifier.CellImage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
    )
    lab = models.ForeignKey("accounts.Lab", on_delete=models.CASCADE, related_name="+")
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    model_version = models.ForeignKey(
        "classifier.ModelVersion", on_delete=models.PROTECT, related_name="+"
    )
    predicted_label = models.CharField(_("predicted label"), max_length=64)
    corrected_label = models.CharField(_("corrected label"), max_length=64)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    consent = models.BooleanField(_("consent to model improvement"), default=False)
    file = models.CharField(_("file"), max_length=255, blank=True)  # relative to MEDIA_ROOT
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self) -> str:
        return f"{self.sha256[:12]}: {self.predicted_label} -> {self.corrected_label}"

    @property
    def path(self) -> Path | None:
        return Path(settings.MEDIA_ROOT) / self.file if self.file else None

    @classmethod
    def delete_for_image(cls, image_id: int) -> list[Path]:
        """Keep the image's correction but clear its copy; the purge unlinks the copy."""
        feedback = cls.objects.filter(image_id=image_id).exclude(file="").first()
        if feedback is None:
            return []
        path, name = feedback.path, feedback.file
        feedback.file = ""
        feedback.save(update_fields=["file", "updated"])
        # A correction of an identical image (same checksum) shares the copy until its own purge.
        if cls.objects.filter(file=name).exists():
            return []
        return [path]

    @classmethod
    def stored_files(cls) -> set[str]:
        return set(cls.objects.exclude(file="").values_list("file", flat=True))
