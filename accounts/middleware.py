"""Labs can make two-factor authentication compulsory (Lab.require_mfa); pages seen after
log-in are never stored by a browser or proxy.

This middleware sees browser sessions only: an API token is read later, inside the API view,
so accounts.authentication applies the same rule to token requests.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from accounts.access import MFA_REQUIRED_MESSAGE, lacks_required_mfa

# allauth's own pages (log-in/out, email, reauthentication, 2FA set-up, sessions) must stay
# reachable, or the member could never activate TOTP.
ALLOWED_VIEW_MODULES = ("allauth.", "django.contrib.staticfiles.", "django.views.static")


class LabMfaRequiredMiddleware:
    """Send a member of a lab that requires MFA to the page that says so (and leads to TOTP
    activation) until they have activated it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.path.startswith(settings.STATIC_URL):
            return None
        if view_func.__module__.startswith(ALLOWED_VIEW_MODULES):
            return None
        if request.path == reverse("accounts:mfa_required"):
            return None
        if not lacks_required_mfa(getattr(request, "user", None)):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": MFA_REQUIRED_MESSAGE}, status=403)
        return redirect("accounts:mfa_required")


class PrivatePagesMiddleware:
    """`Cache-Control: private, no-store` on every page of a logged-in person and every API answer.

    Case pages, review pages, reports and the API carry patient data: one rule here rather than
    one decorator per view, so no new page can forget it. Static files never reach it.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # DRF sets request.user when it authenticates a token, so API requests count too.
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
        return response
