"""The interface language a person chose, remembered on their account.

Django's set_language keeps the choice in a cookie, which stays with one browser. A logged-in
person's choice is also saved on User.language, and logging in sets the cookie from it
(accounts.signals), so the choice follows them to any browser.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.i18n import set_language as django_set_language


def is_supported(language: str | None) -> bool:
    return language in dict(settings.LANGUAGES)


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie and redirect), which also saves a member's choice."""
    response = django_set_language(request)
    language = request.POST.get("language")
    user = request.user
    if request.method == "POST" and user.is_authenticated and is_supported(language):
        if user.language != language:
            user.language = language
            user.save(update_fields=["language"])
    return response


def remember_language(response: HttpResponse, language: str) -> None:
    """Set the language cookie as set_language does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def apply_saved_language(request: HttpRequest, response: HttpResponse | None, user) -> None:
    """On log-in: the member's saved language, for this response and the next requests."""
    if not is_supported(user.language):
        return
    translation.activate(user.language)
    request.LANGUAGE_CODE = user.language
    if response is not None:
        remember_language(response, user.language)
