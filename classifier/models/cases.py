"""Cases and the cell images uploaded into them."""

import datetime
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Lab
from classifier.models.model_versions import ModelVersion
from classifier.models.predictions import Prediction


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
        now = timezone.now()
        moved = Case.objects.filter(
            pk=self.pk, status__in=[self.Status.DRAFT, self.Status.AWAITING_REVIEW]
        ).update(status=self.Status.PROCESSING, updated=now)
        if moved:  # no read back: the update says what the row now holds
            self.status, self.updated = self.Status.PROCESSING, now

    def finish_processing_if_complete(self) -> bool:
        """processing -> awaiting_review once no image is queued or running. True if it moved."""
        # One conditional UPDATE, so two workers finishing the last two images cannot race.
        now = timezone.now()
        pending = CellImage.objects.filter(
            case=models.OuterRef("pk"), status__in=CellImage.PENDING_STATUSES
        )
        moved = (
            Case.objects.filter(pk=self.pk, status=self.Status.PROCESSING)
            .filter(~models.Exists(pending))
            .update(status=self.Status.AWAITING_REVIEW, updated=now)
        )
        if moved:  # no read back: the update says what the row now holds
            self.status, self.updated = self.Status.AWAITING_REVIEW, now
        return moved == 1


class CellImageQuerySet(models.QuerySet):
    def classified(self) -> "CellImageQuerySet":
        """Done with a prediction: single cells and a field's white cells, never a field itself
        or an image without blood cells (done, but nothing to review or count)."""
        return self.filter(status=CellImage.Status.DONE, prediction__isnull=False)

    def uploads(self) -> "CellImageQuerySet":
        """What people uploaded, without the white-cell crops the worker made from fields."""
        return self.filter(field__isnull=True)


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

    class Kind(models.TextChoices):
        """What the cell finder found in the upload.

        cell    one centred cell: classified as a whole, as the classifier's training images
        field   a smear field: every cell found is counted, and each white cell becomes a child
                CellImage (kind cell, `field` set, `box` its place) classified on its crop
        none    no blood cell: not classified, not counted
        """

        CELL = "cell", _("Single cell")
        FIELD = "field", _("Smear field")
        NONE = "none", _("No blood cells")

    PENDING_STATUSES = (Status.QUEUED, Status.RUNNING)
    # Why the finder found no blood cells (ml.serving.finder's reasons), stored in `error` of a
    # done image of kind none and shown in the reader's language.
    NO_BLOOD_REASONS = {
        "too_small": _("the image is too small to show a cell"),
        "out_of_focus": _("the image is blank or out of focus"),
        "no_cells": _("it does not look like a stained blood smear"),
    }

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
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.CELL)
    # A white cell cropped from a field: the field it came from and its box there
    # ([x0, y0, x1, y1] in the field's pixels). It shares the field's consent and retention.
    field = models.ForeignKey(
        "self",
        verbose_name=_("field"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cells",
    )
    box = models.JSONField(_("box"), null=True, blank=True)
    # A field's counts by kind ({"wbc": 2, "rbc": 41, "platelet": 5}) and every cell found
    # ([{"kind": "rbc", "box": [x0, y0, x1, y1], "score": 0.93}, ...]) for drawing its boxes.
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    detections = models.JSONField(_("cells found"), default=list, blank=True)
    # Set by the worker that claims the row; attempts counts claims, so that an image that
    # keeps killing its worker ends up failed instead of being redelivered for ever.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The worker process ("host:pid", a WorkerHeartbeat) that holds the claim: when it stops
    # beating, classifier.recovery requeues the image.
    claimed_by = models.CharField(max_length=200, blank=True, editable=False)
    # The broker refused the classify task when the upload committed (Redis down): the next
    # recovery sweep sends it.
    unsent = models.BooleanField(default=False, editable=False)
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

    objects = CellImageQuerySet.as_manager()

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

    @property
    def is_field(self) -> bool:
        return self.kind == self.Kind.FIELD

    @property
    def no_blood_reason(self) -> str:
        """Why no blood cells were found, in the reader's language ("" unless kind none)."""
        if self.kind != self.Kind.NONE:
            return ""
        return str(self.NO_BLOOD_REASONS.get(self.error, self.NO_BLOOD_REASONS["no_cells"]))

    def record_finding(self, kind: str, counts: dict, detections: list, reason: str = "") -> None:
        """Store what the finder found in a field or an image without blood cells and move to
        done: neither has a prediction of its own. Harmless to repeat."""
        CellImage.objects.filter(pk=self.pk).exclude(status=self.Status.FAILED).update(
            kind=kind,
            counts=counts,
            detections=detections,
            error=reason,
            status=self.Status.DONE,
            updated=timezone.now(),
        )
        self.refresh_from_db(fields=["kind", "counts", "detections", "error", "status", "updated"])

    def record_prediction(
        self,
        *,
        model_version: "ModelVersion",
        label: str,
        confidence: float,
        probabilities: dict[str, float],
        elapsed_ms: int,
        appearance: dict[str, float] | None = None,
        flag: bool = False,
    ) -> "Prediction":
        """Store the prediction and move to done, in one transaction. Harmless to repeat: the
        first prediction stored stays, and is the one returned. It is unidentified below the
        version's confidence threshold, or whenever `flag` says so.

        Two statements: an INSERT that does nothing when the image has its prediction already
        (the one-to-one is unique), and the status UPDATE. Inside a caller's transaction no
        savepoint is made, so the caller's audit entry commits with it.
        """
        prediction = Prediction(
            image=self,
            label=label,
            confidence=confidence,
            probabilities=probabilities,
            model_version=model_version,
            elapsed_ms=elapsed_ms,
            unidentified=flag or confidence < model_version.confidence_threshold,
            appearance=appearance or {},
        )
        now = timezone.now()
        with transaction.atomic(savepoint=False):
            Prediction.objects.bulk_create([prediction], ignore_conflicts=True)
            moved = (
                CellImage.objects.filter(pk=self.pk)
                .exclude(status=self.Status.DONE)
                .update(status=self.Status.DONE, error="", updated=now)
            )
        self.status, self.error, self.updated = self.Status.DONE, "", now
        if not moved:  # done before: the prediction stored then is the one that counts
            return Prediction.objects.get(image=self)
        return prediction

    def mark_failed(self, reason: str) -> None:
        """A permanent failure: record why and stop (never retried). A field's white cells not
        yet classified fail with it, rather than wait for a task of their own."""
        unfinished = Q(pk=self.pk) | Q(field=self.pk, status__in=self.PENDING_STATUSES)
        CellImage.objects.filter(unfinished).exclude(status=self.Status.DONE).update(
            status=self.Status.FAILED, error=reason[:2000], updated=timezone.now()
        )
        self.refresh_from_db(fields=["status", "error", "updated"])
