"""One prediction per classified image, made by a model version."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Prediction(models.Model):
    """The model's answer for one image. `unidentified` flags a confidence below the threshold."""

    image = models.OneToOneField(
        "classifier.CellImage", on_delete=models.CASCADE, related_name="prediction"
    )
    label = models.CharField(_("label"), max_length=64)
    confidence = models.FloatField(_("confidence"))
    probabilities = models.JSONField(_("probabilities"))
    model_version = models.ForeignKey(
        "classifier.ModelVersion", on_delete=models.PROTECT, related_name="predictions"
    )
    elapsed_ms = models.PositiveIntegerField(_("inference time (ms)"))
    unidentified = models.BooleanField(_("unidentified"), default=False)
    # Four numbers on how the model input looked (ml/appearance.py), for the domain check.
    appearance = models.JSONField(_("appearance"), default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("prediction")
        verbose_name_plural = _("predictions")

    def __str__(self) -> str:
        return f"{self.label} ({self.confidence:.0%})"

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        """The k most probable (label, probability) pairs, most probable first."""
        ranked = sorted(self.probabilities.items(), key=lambda item: item[1], reverse=True)
        return ranked[:k]
