"""The audit trail: one append-only row per thing that happened (who, when, what, to which object).

Rows are written only through `audit.services.record`. They can be neither changed nor deleted:
`save()` refuses updates, `delete()` refuses, and the queryset refuses bulk update and delete.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEventImmutableError(Exception):
    """Someone tried to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditEventImmutableError("Audit events cannot be updated.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditEventImmutableError("Audit events cannot be updated.")

    def delete(self):
        raise AuditEventImmutableError("Audit events cannot be deleted.")

    delete.queryset_only = True

    def for_lab(self, lab) -> "AuditEventQuerySet":
        return self.filter(lab=lab)


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGOUT = "logout", _("Logged out")
        LOGIN_FAILED = "login_failed", _("Login failed")
        CASE_CREATED = "case_created", _("Case created")
        CASE_VIEWED = "case_viewed", _("Case viewed")
        IMAGE_UPLOADED = "image_uploaded", _("Image uploaded")
        IMAGE_VIEWED = "image_viewed", _("Image viewed")
        IMAGE_DELETED = "image_deleted", _("Image deleted")  # retention purges included
        PREDICTION = "prediction", _("Prediction made")
        REVIEW = "review", _("Image reviewed")
        SIGN_OFF = "sign_off", _("Case signed off")
        AMENDMENT = "amendment", _("Case amended")
        REPORT_DOWNLOADED = "report_downloaded", _("Report downloaded")
        EXPORT_DOWNLOADED = "export_downloaded", _("Export downloaded")
        MODEL_VERSION_CHANGED = "model_version_changed", _("Model version changed")
        MEMBER_CHANGED = "member_changed", _("Lab member changed")
        ROLE_CHANGED = "role_changed", _("Role changed")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        LOGIN_RATE_LIMITED = "login_rate_limited", _("Login refused: too many failures")
        CASES_LISTED = "cases_listed", _("Case list viewed")
        LAB_SETTINGS_CHANGED = "lab_settings_changed", _("Lab settings changed")
        ADAPTATION_STARTED = "adaptation_started", _("Model adaptation started")
        ADAPTATION_CANCELLED = "adaptation_cancelled", _("Model adaptation cancelled")
        ADAPTATION_FINISHED = "adaptation_finished", _("Model adaptation finished")
        ADAPTATION_ACTIVATED = "adaptation_activated", _("Adapted model activated")
        ADAPTATION_DISCARDED = "adaptation_discarded", _("Adapted model discarded")
        ADAPTATION_ROLLED_BACK = "adaptation_rolled_back", _("Lab model rolled back")

    created = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices, db_index=True)
    # No database constraint and no cascade: the trail must outlive the users and labs it names,
    # so the email and the object's text are copied into the row as well.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    user_email = models.CharField(_("user email"), max_length=254, blank=True)
    lab = models.ForeignKey(
        "accounts.Lab",
        verbose_name=_("lab"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["lab", "created"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M:%S} {self.user_email or '-'} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditEventImmutableError("Audit events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEventImmutableError("Audit events cannot be deleted.")
