"""`record(...)`: the one way to write the audit trail.

    from audit.services import record
    record(request, AuditEvent.Action.SIGN_OFF, obj=case, images=12)

`request` may be None (Celery tasks, management commands); then pass `user=` if there is one.
The client address is REMOTE_ADDR, or the first X-Forwarded-For entry only when the setting
AUDIT_TRUST_X_FORWARDED_FOR says a trusted proxy sets it.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import validate_ipv46_address
from django.db import models
from django.forms import ValidationError
from django.http import HttpRequest

from audit.models import AuditEvent


def client_address(request: HttpRequest | None) -> str | None:
    """The caller's IP address, or None when unknown or not an IP address."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The left-most entry is the client as seen by the first (trusted) proxy.
        address = forwarded.split(",")[0].strip() or address
    try:
        validate_ipv46_address(address)
    except ValidationError:
        return None
    return address


def _request_user(request: HttpRequest | None):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _lab_id_of(obj: models.Model | None, user) -> int | None:
    """The lab an event belongs to: the object's lab, else the user's lab."""
    # The lab model comes from AuditEvent.lab's lazy reference ("accounts.Lab"), because audit
    # sits below accounts and may not import it.
    if isinstance(obj, AuditEvent.lab.field.related_model):
        return obj.pk
    for path in ("lab_id", "case.lab_id", "image.case.lab_id"):
        value = obj
        try:
            for attribute in path.split("."):
                value = getattr(value, attribute)
        except (AttributeError, ObjectDoesNotExist):
            continue
        if value is not None:
            return value
    membership = getattr(user, "membership", None) if user is not None else None
    return membership.lab_id if membership is not None else None


def _object_fields(obj: models.Model | None) -> dict[str, str]:
    if obj is None:
        return {"object_type": "", "object_id": "", "object_repr": ""}
    public_id = getattr(obj, "public_id", None)
    return {
        "object_type": obj._meta.label_lower,
        "object_id": str(public_id or obj.pk)[:64],
        "object_repr": str(obj)[:200],
    }


def record(
    request: HttpRequest | None,
    action: str,
    obj: models.Model | None = None,
    user=None,
    **details: Any,
) -> AuditEvent:
    """Append one event to the audit trail and return it."""
    if action not in AuditEvent.Action.values:
        raise ValueError(f"Unknown audit action: {action!r}")
    user = user or _request_user(request)
    try:
        lab_id = _lab_id_of(obj, user)
    except ObjectDoesNotExist:
        lab_id = None
    return AuditEvent.objects.create(
        action=action,
        user=user,
        user_email=getattr(user, "email", "") or "",
        lab_id=lab_id,
        client_address=client_address(request),
        details=details,
        **_object_fields(obj),
    )
