from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from audit.services import record


class AccountAdapter(DefaultAccountAdapter):
    def pre_authenticate(self, request, **credentials) -> None:
        """allauth's log-in rate limit; a refused attempt never reaches Django's
        user_login_failed signal (audit.signals), so it is recorded here."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            attempted = credentials.get("email") or credentials.get("username") or ""
            record(request, AuditEvent.Action.LOGIN_RATE_LIMITED, attempted_email=attempted[:254])
            raise


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    pass
