"""Why the model chose a class: Grad-CAM and LIME pictures of one image."""

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from classifier.purge import DerivedFromImage


class Explanation(DerivedFromImage, models.Model):
    """A picture explaining the model's label for one image, computed on the "explain" queue.

    queued -> running   the task claims the row (conditional update)
    running -> done     the PNG is written under MEDIA_ROOT/<files_dir>/
    queued/running -> failed   with the reason; asking again moves failed -> queued
    The PNG shows the cell, so the image purge (classifier/purge.py, through DerivedFromImage)
    deletes it together with the image file. Each kind is a concrete model with one row per image.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    label = models.CharField(_("explained label"), max_length=64, blank=True)
    file = models.CharField(_("file"), max_length=255, blank=True)  # relative to MEDIA_ROOT
    error = models.TextField(_("error"), blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.image} ({self.get_status_display()})"

    @property
    def path(self) -> Path | None:
        return Path(settings.MEDIA_ROOT) / self.file if self.file else None

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    def purge_file(self) -> bool:
        """Delete the row, then its PNG. True if there was a PNG."""
        path = self.path
        self.delete()
        if path is not None:
            path.unlink(missing_ok=True)
        return path is not None

    @classmethod
    def delete_for_image(cls, image_id: int) -> list[Path]:
        """Delete the image's row; the image purge (classifier/purge.py) unlinks the PNG."""
        explanation = cls.objects.filter(image_id=image_id).first()
        if explanation is None:
            return []
        explanation.delete()
        return [explanation.path] if explanation.path is not None else []

    @classmethod
    def stored_files(cls) -> set[str]:
        return set(cls.objects.exclude(file="").values_list("file", flat=True))


class Heatmap(Explanation):
    """The Grad-CAM overlay of one image (review/heatmaps.py, ml.explain)."""

    files_dir = "heatmaps"

    image = models.OneToOneField(
        "classifier.CellImage", on_delete=models.CASCADE, related_name="heatmap"
    )

    class Meta:
        verbose_name = _("heatmap")
        verbose_name_plural = _("heatmaps")


class LimeExplanation(Explanation):
    """The LIME picture of one image: the superpixels that most support its label
    (ml.explain.lime)."""

    files_dir = "lime"

    image = models.OneToOneField(
        "classifier.CellImage", on_delete=models.CASCADE, related_name="lime"
    )

    class Meta:
        verbose_name = _("LIME explanation")
        verbose_name_plural = _("LIME explanations")
