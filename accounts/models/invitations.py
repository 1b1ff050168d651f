"""How a user joins a lab: a lab admin's Invitation (accepted by the user with that verified
email) or the user's JoinRequest (approved by a lab admin, who picks the role).
"""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models.people import (
    AlreadyInLabError,
    ApplicantNotVerifiedError,
    InvitationNotValidError,
    Lab,
    Membership,
    User,
)

INVITATION_LIFETIME = timedelta(days=7)


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
