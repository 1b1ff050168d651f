"""People and labs: a user belongs to at most one lab, with one role in it."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class AlreadyInLabError(Exception):
    """The user already belongs to a lab (one lab per user)."""


class InvitationNotValidError(Exception):
    """The invitation is expired, or meant for another email address."""


class ApplicantNotVerifiedError(Exception):
    """The applicant has not verified their email address yet: nobody knows who they are."""


class LastLabAdminError(Exception):
    """The change would leave the lab without a lab admin."""


class UserManager(BaseUserManager):
    """Users are identified by email; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in with an email address.

    `full_name` and `professional_title` are what reports print for a reviewer or a signer
    ("Dr Ada Byron, Consultant haematologist"); empty ones fall back to the email address.
    """

    username = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(
        _("full name"),
        max_length=150,
        blank=True,
        help_text=_("As it should appear on signed reports."),
    )
    professional_title = models.CharField(
        _("professional title"),
        max_length=150,
        blank=True,
        help_text=_("For example: Consultant haematologist, Biomedical scientist."),
    )
    # Empty until the person picks a language: the browser's preference applies meanwhile.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name.strip() or super().get_full_name()

    @property
    def display_name(self) -> str:
        """Full name, else the email address."""
        return self.get_full_name() or self.email

    @property
    def signature(self) -> str:
        """Full name and professional title, as reports name a reviewer or signer."""
        title = self.professional_title.strip()
        return f"{self.display_name}, {title}" if title else self.display_name


class Lab(models.Model):
    """A hospital or clinic laboratory: it owns its members and its cases."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    require_mfa = models.BooleanField(_("require two-factor authentication"), default=False)
    retention_days = models.PositiveIntegerField(
        _("image retention (days)"),
        default=30,
        help_text=_("How long images uploaded with consent are kept before they are purged."),
    )
    unsigned_max_days = models.PositiveIntegerField(
        _("longest wait for sign-off (days)"),
        default=14,
        help_text=_(
            "Images uploaded without consent are kept only until their case is signed off, "
            "and never longer than this."
        ),
    )
    # A lab whose images differ from the training labs' can have its own version, adapted to its
    # reviewed cells (python -m ml adapt --labelled); the others use the portal's active one.
    model_version = models.ForeignKey(
        "classifier.ModelVersion",
        verbose_name=_("own model version"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="labs",
        help_text=_(
            "A model version adapted to this lab's images. Empty: the portal's active version."
        ),
    )
    # {"neutrophil": [40, 75], ...}: the lab's own intervals, in % of leukocytes; a class not
    # named here uses accounts.reference_intervals.DEFAULT_REFERENCE_INTERVALS.
    reference_intervals = models.JSONField(_("reference intervals"), default=dict, blank=True)
    report_language = models.CharField(
        _("report language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The language of the PDF reports of this lab, whoever downloads them."),
    )
    # A differential over smear fields: white cells are counted until this target is met,
    # as a lab counts 100 (or 200) cells on a manual differential.
    differential_target = models.PositiveSmallIntegerField(
        _("white cells per differential"),
        choices=[(100, "100"), (200, "200")],
        default=100,
        help_text=_("How many white cells a differential over smear fields counts."),
    )
    # Platelet estimate = mean platelets per field x this factor (per microlitre); it depends on
    # the lab's microscope (field of view), so each lab sets its own.
    platelet_factor = models.PositiveIntegerField(
        _("platelet estimate factor"),
        default=15000,
        help_text=_(
            "The platelet estimate is the mean number of platelets per field times this factor "
            "(platelets per microlitre)."
        ),
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lab")
        verbose_name_plural = _("labs")

    def __str__(self) -> str:
        return self.name

    def reference_interval(self, label: str) -> tuple[float, float] | None:
        """The lab's interval for a class (in % of leukocytes), else the adult default."""
        from accounts.reference_intervals import interval_for

        return interval_for(label, self.reference_intervals)


class Membership(models.Model):
    """A user's role in their lab (one lab per user)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Role(models.TextChoices):
        TECHNOLOGIST = "technologist", _("Technologist")
        PATHOLOGIST = "pathologist", _("Pathologist")
        LAB_ADMIN = "lab_admin", _("Lab admin")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.lab})"

    def _is_last_lab_admin(self) -> bool:
        if self.role != self.Role.LAB_ADMIN:
            return False
        others = self.lab.memberships.filter(role=self.Role.LAB_ADMIN).exclude(pk=self.pk)
        return not others.exists()

    def change_role(self, role: str) -> bool:
        """Give the member another role; returns False when nothing changed."""
        if role not in self.Role.values:
            raise ValueError(role)
        if role == self.role:
            return False
        with transaction.atomic():
            # Two admins demoting each other at once must not leave the lab without one.
            list(self.lab.memberships.select_for_update().filter(role=self.Role.LAB_ADMIN))
            if self._is_last_lab_admin():
                raise LastLabAdminError(self.lab.name)
            self.role = role
            self.save(update_fields=["role"])
        return True

    def remove(self) -> None:
        """Take the user out of the lab (the account stays; it waits for a lab again)."""
        with transaction.atomic():
            list(self.lab.memberships.select_for_update().filter(role=self.Role.LAB_ADMIN))
            if self._is_last_lab_admin():
                raise LastLabAdminError(self.lab.name)
            self.delete()

    @property
    def can_review(self) -> bool:
        return self.role == self.Role.PATHOLOGIST

    @property
    def can_manage_lab(self) -> bool:
        return self.role == self.Role.LAB_ADMIN
