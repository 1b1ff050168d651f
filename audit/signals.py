"""Framework hooks: Django's own login, logout and failed-login signals go to the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import AuditEvent
from audit.services import record


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender, request, user, **kwargs) -> None:
    record(request, AuditEvent.Action.LOGIN, user=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs) -> None:
    record(request, AuditEvent.Action.LOGOUT, user=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already masked the password; keep only the name that was tried.
    attempted = credentials.get("email") or credentials.get("username") or ""
    record(request, AuditEvent.Action.LOGIN_FAILED, attempted_email=str(attempted)[:254])
