from django.http import HttpRequest

from accounts.access import get_membership


def membership(request: HttpRequest) -> dict:
    """The signed-in user's lab membership (or None), for the navigation bar."""
    return {"membership": get_membership(getattr(request, "user", None))}
