"""Labs can make two-factor authentication compulsory (Lab.require_mfa)."""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.access import get_membership

# allauth's own pages (log-in/out, email, reauthentication, 2FA set-up, sessions) must stay
# reachable, or the member could never activate TOTP.
ALLOWED_VIEW_MODULES = ("allauth.", "django.contrib.staticfiles.", "django.views.static")


class LabMfaRequiredMiddleware:
    """Send a member of a lab that requires MFA to TOTP activation until they have activated it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.path.startswith(settings.STATIC_URL):
            return None
        if view_func.__module__.startswith(ALLOWED_VIEW_MODULES):
            return None
        membership = get_membership(getattr(request, "user", None))
        if membership is None or not membership.lab.require_mfa:
            return None
        if is_mfa_enabled(request.user, [Authenticator.Type.TOTP]):
            return None
        if request.path.startswith("/api/"):
            detail = _("Your lab requires two-factor authentication: activate it first.")
            return JsonResponse({"detail": detail}, status=403)
        return redirect("mfa_activate_totp")
