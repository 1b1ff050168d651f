"""The one place that decides who may see what: a user sees only their own lab's data.

Other apps use these helpers instead of looking at memberships themselves:

    @membership_required                    # logged in and in a lab, else the waiting page
    def case_list(request):
        cases = for_lab(Case.objects.all(), request.membership)
        case = get_for_lab_or_404(Case, request.membership, public_id=case_id)
"""

from collections.abc import Callable
from functools import wraps

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership

View = Callable[..., HttpResponse]

MFA_REQUIRED_MESSAGE = _("Your lab requires two-factor authentication: activate it first.")


def get_membership(user) -> Membership | None:
    """The user's membership (with its lab), or None for anonymous users and users without a lab."""
    if user is None or not user.is_authenticated:
        return None
    try:
        # Django caches the related row (or its absence) on the user object.
        return user.membership
    except Membership.DoesNotExist:
        return None


def lacks_required_mfa(user) -> bool:
    """The user's lab requires two-factor authentication and the user has not activated TOTP.

    Checked for browser sessions by accounts.middleware and for API tokens by
    accounts.authentication.
    """
    membership = get_membership(user)
    if membership is None or not membership.lab.require_mfa:
        return False
    return not is_mfa_enabled(user, [Authenticator.Type.TOTP])


def for_lab(queryset: QuerySet, membership: Membership, lab_field: str = "lab") -> QuerySet:
    """Narrow a queryset to the rows of the member's lab (`lab_field` may be "case__lab")."""
    return queryset.filter(**{lab_field: membership.lab_id})


def get_for_lab_or_404(
    model_or_queryset: type[Model] | QuerySet,
    membership: Membership,
    lab_field: str = "lab",
    **lookups,
) -> Model:
    """One row of the member's lab; another lab's row is a 404, exactly like a missing one."""
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, QuerySet)
        else model_or_queryset._default_manager.all()
    )
    return get_object_or_404(for_lab(queryset, membership, lab_field), **lookups)


def membership_required(view: View) -> View:
    """Logged in and in a lab, else the waiting page; sets `request.membership`."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        membership = get_membership(request.user)
        if membership is None:
            return redirect("accounts:waiting")
        request.membership = membership
        return view(request, *args, **kwargs)

    return wrapper


def lab_admin_required(view: View) -> View:
    """Like membership_required, and the member must be their lab's admin (403 otherwise)."""

    @wraps(view)
    @membership_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.membership.can_manage_lab:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
