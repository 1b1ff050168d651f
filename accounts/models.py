"""People and labs: a user belongs to at most one lab, with one role in it.

A new user joins a lab in one of two ways: a lab admin's Invitation (accepted by the user with
that verified email) or the user's JoinRequest (approved by a lab admin, who picks the role).
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

INVITATION_LIFETIME = timedelta(days=7)


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


def _new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + INVITATION_LIFETIME


class Invitation(models.Model):
    """A lab admin invites an email address to join the lab with a role.

    Pending until accepted (by a logged-in user whose verified email matches) or expired.
    Accepting is done once; accepting again by the same user changes nothing.
    """

    token = models.CharField(
        _("token"), max_length=64, unique=True, default=_new_invitation_token, editable=False
    )
    lab = models.ForeignKey(
        Lab, verbose_name=_("lab"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Membership.Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), default=_invitation_expiry)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.email} -> {self.lab} ({self.get_role_display()})"

    @property
    def is_expired(self) -> bool:
        return self.accepted_at is None and timezone.now() >= self.expires_at

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and not self.is_expired

    def is_for(self, user: User) -> bool:
        """The invitation was sent to one of `user`'s email addresses."""
        from allauth.account.models import EmailAddress

        if user.email.lower() == self.email.lower():
            return True
        return EmailAddress.objects.filter(user=user, email__iexact=self.email).exists()

    def accept(self, user: User) -> Membership:
        """Make `user` a member of the lab with the invited role."""
        from allauth.account.models import EmailAddress

        with transaction.atomic():
            invitation = Invitation.objects.select_for_update().get(pk=self.pk)
            membership = Membership.objects.filter(user=user).first()
            if invitation.accepted_at is not None:
                if invitation.accepted_by_id == user.pk and membership is not None:
                    return membership
                raise InvitationNotValidError(_("This invitation has already been used."))
            if invitation.is_expired:
                raise InvitationNotValidError(_("This invitation has expired."))
            owns_email = EmailAddress.objects.filter(
                user=user, email__iexact=invitation.email, verified=True
            ).exists()
            if not owns_email:
                raise InvitationNotValidError(
                    _("This invitation was sent to another email address.")
                )
            if membership is not None:
                raise AlreadyInLabError(membership.lab.name)
            membership = Membership.objects.create(
                user=user, lab=invitation.lab, role=invitation.role
            )
            invitation.accepted_at = timezone.now()
            invitation.accepted_by = user
            invitation.save(update_fields=["accepted_at", "accepted_by"])
        self.refresh_from_db()
        return membership


class JoinRequest(models.Model):
    """A user without a lab asks to join one; a lab admin of that lab decides.

    Status: pending -> approved (a Membership is created, with the role the admin picked, and
    only once the applicant has verified an email address) or pending -> rejected. Approved and
    rejected are final; deciding again changes nothing.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="join_requests",
    )
    lab = models.ForeignKey(
        Lab, verbose_name=_("lab"), on_delete=models.CASCADE, related_name="join_requests"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        ordering = ["created"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lab"],
                condition=models.Q(status="pending"),
                name="one_pending_join_request_per_user_and_lab",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} -> {self.lab} ({self.get_status_display()})"

    def _decide(self, status: str, decided_by: User | None) -> None:
        self.status = status
        self.decided_at = timezone.now()
        self.decided_by = decided_by
        self.save(update_fields=["status", "decided_at", "decided_by"])

    @property
    def applicant_verified(self) -> bool:
        from allauth.account.models import EmailAddress

        return EmailAddress.objects.filter(user_id=self.user_id, verified=True).exists()

    def approve(self, role: str, decided_by: User | None = None) -> Membership | None:
        """Make the user a member with `role`; returns None if the request was already decided."""
        if role not in Membership.Role.values:
            raise ValueError(role)
        with transaction.atomic():
            request = JoinRequest.objects.select_for_update().get(pk=self.pk)
            if request.status != self.Status.PENDING:
                return None
            if Membership.objects.filter(user_id=request.user_id).exists():
                raise AlreadyInLabError(request.user.membership.lab.name)
            if not request.applicant_verified:
                raise ApplicantNotVerifiedError(request.user.email)
            membership = Membership.objects.create(
                user_id=request.user_id, lab=request.lab, role=role
            )
            request._decide(self.Status.APPROVED, decided_by)
        self.refresh_from_db()
        return membership

    def reject(self, decided_by: User | None = None) -> bool:
        """Turn the request down; returns False if it was already decided."""
        with transaction.atomic():
            request = JoinRequest.objects.select_for_update().get(pk=self.pk)
            if request.status != self.Status.PENDING:
                return False
            request._decide(self.Status.REJECTED, decided_by)
        self.refresh_from_db()
        return True


def api_token_digest(secret: str) -> str:
    # The secret is 256 random bits, so one SHA-256 round is enough to make a stolen database
    # useless (the approach of django-rest-knox and GitHub's tokens); no slow password hash.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token ("Authorization: Token <secret>"); its owner names and revokes it.

    Only a digest of the secret is stored; the secret is shown once, when the token is made.
    A token works until it is revoked (deleted), it expires, or its owner's password changes
    (the password fingerprint it was made with no longer matches).
    """

    SECRET_PREFIX_LENGTH = 8

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("starts with"), max_length=SECRET_PREFIX_LENGTH, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    password_fingerprint = models.CharField(max_length=128, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user: User, name: str, expires_at=None) -> tuple["ApiToken", str]:
        """A new token of `user`, and its secret (returned once, never stored)."""
        secret = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=secret[: cls.SECRET_PREFIX_LENGTH],
            digest=api_token_digest(secret),
            password_fingerprint=user.get_session_auth_hash(),
            expires_at=expires_at,
        )
        return token, secret

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and timezone.now() >= self.expires_at

    @property
    def is_valid(self) -> bool:
        """Not expired, and made under the owner's current password."""
        same_password = constant_time_compare(
            self.password_fingerprint, self.user.get_session_auth_hash()
        )
        return same_password and not self.is_expired

    def mark_used(self) -> None:
        """Remember when the token was last used; at most one write a minute."""
        now = timezone.now()
        if self.last_used is None or now - self.last_used > timedelta(minutes=1):
            ApiToken.objects.filter(pk=self.pk).update(last_used=now)
            self.last_used = now
