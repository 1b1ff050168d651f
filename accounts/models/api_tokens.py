"""Personal API tokens, stored as a digest of their secret."""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from accounts.models.people import User


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
