"""Labs can make two-factor authentication compulsory (Lab.require_mfa).

This middleware sees browser sessions only: an API token is read later, inside the API view,
so accounts.authentication applies the same rule to token requests.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from accounts.access import MFA_REQUIRED_MESSAGE, lacks_required_mfa

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
        if not lacks_required_mfa(getattr(request, "user", None)):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": MFA_REQUIRED_MESSAGE}, status=403)
        return redirect("mfa_activate_totp")
