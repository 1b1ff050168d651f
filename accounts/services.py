"""Making ready-to-use members outside the web flow (the adduser command, site admins), and the
audit record of a lab's model version changing (the lab settings page and the Django admin)."""

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.models import AlreadyInLabError, Lab, Membership, User
from audit.models import AuditEvent
from audit.services import record


@transaction.atomic
def create_member(email: str, lab_name: str, role: str, password: str) -> Membership:
    """A user with a verified email, in `lab_name` (created if missing) with `role`."""
    email = User.objects.normalize_email(email).lower()
    if role not in Membership.Role.values:
        raise ValueError(role)
    lab, _ = Lab.objects.get_or_create(name=lab_name)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password)
    else:
        existing = Membership.objects.filter(user=user).select_related("lab").first()
        if existing is not None and existing.lab_id != lab.pk:
            raise AlreadyInLabError(existing.lab.name)
        user.set_password(password)
        user.save(update_fields=["password"])
    user.emailaddress_set.exclude(email__iexact=email).update(primary=False)
    EmailAddress.objects.update_or_create(
        user=user, email__iexact=email, defaults={"email": email, "verified": True, "primary": True}
    )
    membership, _ = Membership.objects.update_or_create(
        user=user, defaults={"lab": lab, "role": role}
    )
    return membership


def record_model_version_change(request, lab: Lab) -> None:
    """Audit that `lab` now classifies with its own model version, or again with the portal's."""
    version = lab.model_version
    record(
        request,
        AuditEvent.Action.MODEL_VERSION_CHANGED,
        obj=lab,
        change="lab's own version set" if version else "lab's own version removed",
        model_version=str(version.public_id) if version else None,
    )
