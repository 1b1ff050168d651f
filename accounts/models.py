"""People and labs: a user belongs to at most one lab, with one role in it."""

import uuid

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    username = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.email


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
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lab")
        verbose_name_plural = _("labs")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in their lab (one lab per user)."""

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

    @property
    def can_submit(self) -> bool:
        return self.role in (self.Role.TECHNOLOGIST, self.Role.PATHOLOGIST, self.Role.LAB_ADMIN)

    @property
    def can_review(self) -> bool:
        return self.role == self.Role.PATHOLOGIST

    @property
    def can_manage_lab(self) -> bool:
        return self.role == self.Role.LAB_ADMIN
