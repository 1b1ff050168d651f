"""The model versions that classify a lab's images: one active for the portal, or a lab's own."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ModelVersion(models.Model):
    """A model bundle the portal can classify with; exactly one is active at a time.

    A version is registered either from a bundle path (a shipped name such as "pbc8", or a
    directory) or from an uploaded zip extracted to MEDIA_ROOT/models/<public_id>/. Labels,
    input spec and confidence threshold are copied from the bundle's bundle.json when registered.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    bundle_path = models.CharField(
        _("bundle path"),
        max_length=500,
        blank=True,
        help_text=_("A shipped bundle name (such as pbc8) or a bundle directory on the server."),
    )
    # An uploaded zip is extracted to MEDIA_ROOT/models/<public_id>/ (see bundle_dir).
    uploaded = models.BooleanField(_("uploaded as a zip"), default=False, editable=False)
    labels = models.JSONField(_("labels"), default=list, editable=False)
    input_spec = models.JSONField(_("input"), default=dict, editable=False)
    confidence_threshold = models.FloatField(_("confidence threshold"), editable=False)
    metadata = models.JSONField(_("bundle metadata"), default=dict, editable=False)
    is_active = models.BooleanField(_("active"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    # An adapted version (review/adaptation/): the version it was adapted from, and what it was
    # adapted with (lab, cells per class and their SHA-256s, held-out figures, code version).
    parent = models.ForeignKey(
        "self",
        verbose_name=_("adapted from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adaptations",
    )
    lineage = models.JSONField(_("lineage"), default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_model_version"
            )
        ]

    def __str__(self) -> str:
        # The plain name: the admin's messages read "Kaggle4 is now the active version"; the
        # list shows whether a version is active in a column of its own.
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Deactivate the others in the same transaction, so that there is never a moment with
        # two active versions (the partial unique constraint would refuse it anyway).
        with transaction.atomic():
            if self.is_active:
                others = ModelVersion.objects.select_for_update().filter(is_active=True)
                others.exclude(pk=self.pk).update(is_active=False)
            super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None) -> None:
        # A form that ticks "active" means "make this the active version": save() deactivates
        # the previous one in the same transaction, so the one-active constraint must not
        # refuse the form beforehand (the database still enforces it).
        if self.is_active:
            exclude = {*(exclude or ()), "is_active"}
        super().validate_constraints(exclude=exclude)

    @property
    def bundle_dir(self) -> Path:
        """The bundle directory this version loads from."""
        if self.uploaded:
            return Path(settings.MEDIA_ROOT) / "models" / str(self.public_id)
        from ml.serving import resolve_bundle

        return Path(resolve_bundle(self.bundle_path))

    def activate(self) -> bool:
        """Make this the one active version. Harmless to repeat; True if it changed anything."""
        if self.is_active:
            return False
        self.is_active = True
        self.save(update_fields=["is_active"])
        return True

    @classmethod
    def active(cls) -> "ModelVersion | None":
        return cls.objects.filter(is_active=True).first()

    @classmethod
    def for_lab(cls, lab) -> "ModelVersion | None":
        """The version that classifies this lab's images: its own, else the active one."""
        if lab is not None and lab.model_version_id is not None:
            return lab.model_version
        return cls.active()
