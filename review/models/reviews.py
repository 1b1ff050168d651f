"""Reviews of classified images, sign-offs of cases and amendments."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Review(models.Model):
    """A pathologist's verdict on one image: the model's label accepted, or another one."""

    # PROTECT: a reviewed image is part of the clinical record and cannot be deleted.
    image = models.OneToOneField(
        "classifier.CellImage", on_delete=models.PROTECT, related_name="review"
    )
    label = models.CharField(_("label"), max_length=64)
    # The model's label when the review was made, so that agreement needs no join.
    predicted_label = models.CharField(_("predicted label"), max_length=64)
    comment = models.TextField(_("comment"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(_("reviewed at"), auto_now=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.image}: {self.label}"

    @property
    def is_correction(self) -> bool:
        return self.label != self.predicted_label


class SignOff(models.Model):
    """One signed version of a case: version 1 is the first sign-off, each amendment adds one.

    Rows are never changed; `snapshot` holds the labels, the differential and the signer as they
    were when the version was signed.
    """

    case = models.ForeignKey("classifier.Case", on_delete=models.CASCADE, related_name="sign_offs")
    version = models.PositiveIntegerField(_("version"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    # The pathologist's comment on the case as a whole (an amendment carries it over).
    comment = models.TextField(_("pathologist's comment"), blank=True)
    snapshot = models.JSONField(_("snapshot"), default=dict)

    class Meta:
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        ordering = ["case", "version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="sign_off_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case} v{self.version}"

    @property
    def signer_name(self) -> str:
        return self.snapshot.get("signed_by", {}).get("name", "")

    @property
    def signer_signature(self) -> str:
        """The signer's name and professional title as they were when the version was signed."""
        signer = self.snapshot.get("signed_by", {})
        title = signer.get("title", "")
        return f"{signer.get('name', '')}, {title}" if title else signer.get("name", "")


class Amendment(models.Model):
    """A change to a signed case: `previous` is the version it replaces, `sign_off` the new one."""

    case = models.ForeignKey("classifier.Case", on_delete=models.CASCADE, related_name="amendments")
    previous = models.ForeignKey(
        SignOff, on_delete=models.PROTECT, related_name="superseded_by", verbose_name=_("previous")
    )
    sign_off = models.OneToOneField(
        SignOff, on_delete=models.PROTECT, related_name="amendment", verbose_name=_("new version")
    )
    reason = models.TextField(_("reason"))
    # [{"image": public_id, "name": original name, "from": label, "to": label}, ...]
    changes = models.JSONField(_("changes"), default=list)
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("amended by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["case", "created"]

    def __str__(self) -> str:
        return f"{self.case}: v{self.previous.version} -> v{self.sign_off.version}"
