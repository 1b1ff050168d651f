"""Review of classified images, sign-off of cases, amendments, corrections and heatmaps.

A pathologist reviews each image of a case (accepting the model's label or choosing another,
including "other / artefact"), then signs the case off. A signed case is locked; a later change
is an Amendment, which keeps the earlier signed version and adds the next one.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classifier.purge import DerivedFromImage


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


class AdaptationJob(models.Model):
    """One adaptation of a lab's model to the lab's own reviewed cells (review/adaptation/).

    queued -> running       the train worker claims the row (conditional update)
    queued -> cancelled     the lab admin cancels before it starts
    running -> done         a new bundle and its report are stored (`result`); final
    running -> failed       the subprocess failed or the report refused it, with `error`; final
    running -> cancelled    the lab admin cancelled; the subprocess is ended, no bundle; final

    A done job's result is then activated for the lab, or discarded (`decision`).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Decision(models.TextChoices):
        """What the lab admin did with a done job's result.

        "" -> activated       the result classifies the lab's images
        "" -> discarded       the result is set aside; final
        activated -> rolled_back   the lab went back to the version it had before; final
        """

        PENDING = "", _("Not decided")
        ACTIVATED = "activated", _("Activated")
        DISCARDED = "discarded", _("Discarded")
        ROLLED_BACK = "rolled_back", _("Rolled back")

    PENDING_STATUSES = (Status.QUEUED, Status.RUNNING)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lab = models.ForeignKey("accounts.Lab", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    decision = models.CharField(
        _("decision"), max_length=16, choices=Decision.choices, default="", blank=True
    )
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    stage = models.CharField(_("stage"), max_length=32, blank=True)
    epoch = models.PositiveSmallIntegerField(_("epoch"), default=0)
    epochs = models.PositiveSmallIntegerField(_("epochs"), default=0)
    percent = models.FloatField(_("progress (%)"), default=0.0)
    seconds_left = models.PositiveIntegerField(_("seconds left"), null=True, blank=True)
    # Image ids: the cells trained on and the stratified share kept apart to judge the result.
    trained_cells = models.JSONField(_("cells trained on"), default=list, blank=True)
    held_out_cells = models.JSONField(_("held-out cells"), default=list, blank=True)
    cell_counts = models.JSONField(_("cells per class"), default=dict, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    parent = models.ForeignKey(
        "classifier.ModelVersion", on_delete=models.PROTECT, related_name="+"
    )
    result = models.ForeignKey(
        "classifier.ModelVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adaptation_jobs",
    )
    # The lab's own version before the result was activated (None: the portal's active one).
    replaced = models.ForeignKey(
        "classifier.ModelVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("adaptation job")
        verbose_name_plural = _("adaptation jobs")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.lab}: {self.parent} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING_STATUSES

    def claim(self) -> bool:
        """queued -> running; True only for the one worker that moved it."""
        moved = AdaptationJob.objects.filter(pk=self.pk, status=self.Status.QUEUED).update(
            status=self.Status.RUNNING, started=timezone.now(), stage="start"
        )
        self.refresh_from_db()
        return moved == 1

    def request_cancel(self) -> bool:
        """Ask the job to stop: a queued job is cancelled now, a running one by its worker."""
        AdaptationJob.objects.filter(pk=self.pk, status=self.Status.QUEUED).update(
            status=self.Status.CANCELLED, finished=timezone.now(), cancel_requested=True
        )
        moved = AdaptationJob.objects.filter(pk=self.pk, status=self.Status.RUNNING).update(
            cancel_requested=True
        )
        self.refresh_from_db()
        return moved == 1 or self.status == self.Status.CANCELLED

    def record_progress(self, line: dict) -> None:
        """Store the latest line of the adaptation's progress file."""
        AdaptationJob.objects.filter(pk=self.pk, status=self.Status.RUNNING).update(
            stage=str(line.get("stage", ""))[:32],
            percent=float(line.get("percent") or 0.0),
            epoch=int(line.get("epoch") or 0),
            epochs=int(line.get("epochs") or 0),
            seconds_left=line.get("seconds_left"),
        )

    def finish(self, status: str, error: str = "", **fields) -> None:
        """running -> done, failed or cancelled, with what the run produced."""
        AdaptationJob.objects.filter(pk=self.pk, status=self.Status.RUNNING).update(
            status=status, error=error[:2000], finished=timezone.now(), **fields
        )
        self.refresh_from_db()
