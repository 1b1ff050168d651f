"""Who may review: the pathologists of the case's lab (the agreement page also lab admins).

Built on accounts.access; objects come through classifier.access, so another lab's case is a 404.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from accounts.access import membership_required
from accounts.models import Membership
from accounts.permissions import IsLabMember
from classifier.access import get_case_or_404, get_image_or_404
from classifier.models import Case, CellImage

View = Callable[..., HttpResponse]


def may_see_agreement(membership: Membership) -> bool:
    return membership.can_review or membership.can_manage_lab


def pathologist_required(view: View) -> View:
    """A member of a lab whose role is pathologist (403 otherwise)."""

    @wraps(view)
    @membership_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.membership.can_review:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def agreement_access_required(view: View) -> View:
    """Pathologists and lab admins (403 otherwise)."""

    @wraps(view)
    @membership_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not may_see_agreement(request.membership):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def get_case_image_or_404(membership: Membership, case_id, image_id) -> tuple[Case, CellImage]:
    """The case and one of its images; an image of another case is a 404."""
    case = get_case_or_404(membership, case_id)
    image = get_image_or_404(membership, image_id)
    if image.case_id != case.pk:
        raise Http404
    return case, image


class IsLabPathologist(IsLabMember):
    """API: a pathologist of a lab (objects are scoped by classifier.access in the view)."""

    message = _("Only a pathologist of the lab may do this.")

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.membership.can_review
