from django.http import HttpRequest

from accounts.access import get_membership, lacks_required_mfa


def membership(request: HttpRequest) -> dict:
    """The signed-in user's lab membership (or None), for the navigation bar; and whether their
    lab requires two-factor authentication they have not activated (a callable: templates
    compute it only where they ask)."""
    user = getattr(request, "user", None)
    return {
        "membership": get_membership(user),
        "lab_requires_mfa_now": lambda: lacks_required_mfa(user),
    }
