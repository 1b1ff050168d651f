"""Cases, their cell images, one prediction per image, and the model versions that made them.

Data flows one way: a CellImage is uploaded into a Case (intake.py), classified by a Celery task
(tasks.py, inference.py) into a Prediction made by the active ModelVersion, then reviewed.
"""

import datetime
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Lab


class Case(models.Model):
    """One specimen from one patient, identified in the lab by its accession number.

    There is no name or birth date here: `patient_ref` is the lab's pseudonymous reference.
    """

    class Status(models.TextChoices):
        """Where the case is in its life.

        draft -> processing            when its first image is queued
        processing -> awaiting_review  when every image is done or failed
        awaiting_review -> processing  when more images are uploaded
        awaiting_review -> signed      when a pathologist signs it off (review app); final
        """

        DRAFT = "draft", _("Draft")
        PROCESSING = "processing", _("Processing")
        AWAITING_REVIEW = "awaiting_review", _("Awaiting review")
        SIGNED = "signed", _("Signed")

    class Specimen(models.TextChoices):
        PERIPHERAL_BLOOD = "peripheral_blood", _("Peripheral blood smear")
        BONE_MARROW = "bone_marrow", _("Bone marrow aspirate")
        BODY_FLUID = "body_fluid", _("Body fluid")
        OTHER = "other", _("Other")

    class Priority(models.TextChoices):
        ROUTINE = "routine", _("Routine")
        URGENT = "urgent", _("Urgent")
        STAT = "stat", _("STAT")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="cases")
    accession = models.CharField(_("accession number"), max_length=64)
    patient_ref = models.CharField(
        _("patient reference"),
        max_length=64,
        help_text=_("The lab's pseudonymous patient reference. Never a name or a birth date."),
    )
    specimen = models.CharField(
        _("specimen type"),
        max_length=32,
        choices=Specimen.choices,
        default=Specimen.PERIPHERAL_BLOOD,
    )
    clinical_note = models.TextField(_("clinical note"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.ROUTINE
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "accession"], name="case_accession_unique_per_lab"
            )
        ]
        indexes = [models.Index(fields=["lab", "status"])]

    def __str__(self) -> str:
        return self.accession

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    def start_processing(self) -> None:
        """New images were queued: draft or awaiting_review -> processing (signed stays signed)."""
        Case.objects.filter(
            pk=self.pk, status__in=[self.Status.DRAFT, self.Status.AWAITING_REVIEW]
        ).update(status=self.Status.PROCESSING, updated=timezone.now())
        self.refresh_from_db(fields=["status", "updated"])

    def finish_processing_if_complete(self) -> bool:
        """processing -> awaiting_review once no image is queued or running. True if it moved."""
        # One conditional UPDATE, so two workers finishing the last two images cannot race.
        pending = CellImage.objects.filter(
            case=models.OuterRef("pk"), status__in=CellImage.PENDING_STATUSES
        )
        moved = (
            Case.objects.filter(pk=self.pk, status=self.Status.PROCESSING)
            .filter(~models.Exists(pending))
            .update(status=self.Status.AWAITING_REVIEW, updated=timezone.now())
        )
        self.refresh_from_db(fields=["status", "updated"])
        return moved == 1


class CellImage(models.Model):
    """One microscope image of one cell, stored under a random name in MEDIA_ROOT.

    Without the uploader's consent the file is kept only for the review: the lab's reviewers
    may see it, and it is purged once its case is signed off, or after the lab's longest wait for
    sign-off (`Lab.unsigned_max_days`). With consent it is kept for the lab's retention period.
    Either way `retain_until` is the latest the file may stay, and the row (checksum, size,
    prediction) stays after the file has gone.
    """

    class Status(models.TextChoices):
        """Classification state.

        queued -> running   a worker claims the row (conditional update, so only one does)
        running -> done     the prediction is stored
        running -> queued   a transient error: the task is retried later
        queued/running -> failed   a permanent error, with its reason in `error`; final
        """

        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    PENDING_STATUSES = (Status.QUEUED, Status.RUNNING)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="images")
    # Relative to MEDIA_ROOT, e.g. "images/2026/11/3f2a....png"; empty once the file is purged.
    file = models.FileField(_("file"), max_length=255, blank=True)
    # The lab's own file name, kept only to name the image in messages and lists.
    original_name = models.CharField(_("original file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    image_format = models.CharField(_("format"), max_length=8)
    consent_retain = models.BooleanField(
        _("retain for review and model improvement"), default=False
    )
    retain_until = models.DateTimeField(_("retain until"), null=True, blank=True)
    file_purged_at = models.DateTimeField(_("file deleted at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    error = models.TextField(_("error"), blank=True)
    # Set by the worker that claims the row; attempts counts claims, so that an image that
    # keeps killing its worker ends up failed instead of being redelivered for ever.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cell image")
        verbose_name_plural = _("cell images")
        ordering = ["created", "id"]
        indexes = [
            models.Index(fields=["status"]),
            # purge_expired_images looks for retained files whose time is up.
            models.Index(fields=["retain_until"], condition=Q(file__gt=""), name="retained_files"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def path(self) -> Path | None:
        """Absolute path of the stored file, or None once it has been purged."""
        if not self.file:
            return None
        return Path(settings.MEDIA_ROOT) / self.file.name

    @property
    def has_file(self) -> bool:
        return bool(self.file)

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING_STATUSES

    @property
    def kept_for_review_only(self) -> bool:
        """No consent: the file is for the lab's reviewers, until the case is signed off."""
        return not self.consent_retain

    def retention_deadline(self, now: datetime.datetime | None = None) -> datetime.datetime:
        """The latest the file may stay: upload time plus the lab's retention period with
        consent, plus the lab's longest wait for sign-off without (sign-off purges it sooner)."""
        start = now or self.created or timezone.now()
        lab = self.case.lab
        days = lab.retention_days if self.consent_retain else lab.unsigned_max_days
        return start + datetime.timedelta(days=days)

    def purge_file(self) -> bool:
        """Delete the stored file and forget its name; the row and its prediction stay.

        Only this image's own file: classifier.purge.purge_image_file calls it and also deletes
        the files later steps made from the image (a heatmap), so callers go through that.
        Harmless to repeat. Returns True if a file name was cleared.
        """
        if not self.file:
            return False
        path = self.path
        self.file = ""
        self.file_purged_at = timezone.now()
        self.save(update_fields=["file", "file_purged_at", "updated"])
        # The row no longer points at the file before it goes, so a crash in between leaves an
        # orphan file (found by reconcile_media), never a row pointing at nothing.
        path.unlink(missing_ok=True)
        return True

    def record_prediction(
        self,
        *,
        model_version: "ModelVersion",
        label: str,
        confidence: float,
        probabilities: dict[str, float],
        elapsed_ms: int,
        appearance: dict[str, float] | None = None,
    ) -> "Prediction":
        """Store the prediction and move to done, in one transaction. Harmless to repeat."""
        with transaction.atomic():
            CellImage.objects.select_for_update().filter(pk=self.pk).first()
            prediction, _created = Prediction.objects.get_or_create(
                image=self,
                defaults={
                    "label": label,
                    "confidence": confidence,
                    "probabilities": probabilities,
                    "model_version": model_version,
                    "elapsed_ms": elapsed_ms,
                    "unidentified": confidence < model_version.confidence_threshold,
                    "appearance": appearance or {},
                },
            )
            CellImage.objects.filter(pk=self.pk).update(
                status=self.Status.DONE, error="", updated=timezone.now()
            )
        self.refresh_from_db(fields=["status", "error", "updated"])
        return prediction

    def mark_failed(self, reason: str) -> None:
        """A permanent failure: record why and stop (never retried)."""
        CellImage.objects.filter(pk=self.pk).exclude(status=self.Status.DONE).update(
            status=self.Status.FAILED, error=reason[:2000], updated=timezone.now()
        )
        self.refresh_from_db(fields=["status", "error", "updated"])


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


class Prediction(models.Model):
    """The model's answer for one image. `unidentified` flags a confidence below the threshold."""

    image = models.OneToOneField(CellImage, on_delete=models.CASCADE, related_name="prediction")
    label = models.CharField(_("label"), max_length=64)
    confidence = models.FloatField(_("confidence"))
    probabilities = models.JSONField(_("probabilities"))
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="predictions"
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
