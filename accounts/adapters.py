import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.emails import email_site
from accounts.join_requests import ask_remembered_lab
from accounts.rate_limits import seconds_to_wait, wait_phrase
from audit.models import AuditEvent
from audit.services import record


class AccountAdapter(DefaultAccountAdapter):
    def pre_authenticate(self, request, **credentials) -> None:
        """allauth's log-in rate limit, with a message that says which limit and how long.

        A refused attempt never reaches Django's user_login_failed signal (audit.signals), so
        it is recorded here.
        """
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            attempted = credentials.get("email") or credentials.get("username") or ""
            record(request, AuditEvent.Action.LOGIN_RATE_LIMITED, attempted_email=attempted[:254])
            key = self._get_login_attempts_cache_key(request, **credentials)
            raise ValidationError(
                login_failed_message(seconds_to_wait(request, "login_failed", key)),
                code="login_rate_limited",
            ) from None

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every email names the site with SITE_NAME and the host people reach it at
        (accounts.emails), not the sites row of the first installation ("localhost")."""
        request = self.request or context.get("request") or allauth_context.request
        super().send_mail(template_prefix, email, {"current_site": email_site(request), **context})

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """No second password prompt within the reauthentication window after logging in.

        allauth counts only an explicit reauthentication as recent, so a member of a lab that
        requires two-factor authentication was asked for the password again seconds after
        typing it, on the way to TOTP activation. The log-in itself is as good a proof.
        """
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        return not logged_in_recently(allauth_context.request)

    def confirm_email(self, request, email_address):
        """A verified address: now the lab named at sign-up may be asked."""
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            ask_remembered_lab(request, email_address.user)
        return confirmed


def logged_in_recently(request) -> bool:
    """This session's last log-in step (password, code, two-factor) is recent enough to stand
    for a reauthentication (ACCOUNT_REAUTHENTICATION_TIMEOUT)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    records = [
        record
        for record in get_authentication_records(request, user)
        if record.get("method") in account_settings.REAUTHENTICATION_METHODS
    ]
    if not records:
        return False
    return time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT


def login_failed_message(limit: tuple[str, int] | None) -> str:
    per, seconds = limit or ("key", 60)
    if per == "ip":
        message = _(
            "Too many failed log-in attempts from your network. Try again in %(wait)s, "
            "or log in with a code sent by email."
        )
    else:
        message = _(
            "Too many failed log-in attempts for this account. Try again in %(wait)s, "
            "or log in with a code sent by email."
        )
    return message % {"wait": wait_phrase(seconds)}


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    pass
