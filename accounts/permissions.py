"""DRF permissions built on accounts.access: API views see only their own lab's data.

class CaseViewSet(viewsets.ModelViewSet):
    permission_classes = [IsLabMember]
    lab_field = "lab"                    # or "case__lab"; used for object checks
    def get_queryset(self):
        return for_lab(Case.objects.all(), self.request.membership)
"""

from operator import attrgetter

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts.access import get_membership


class IsLabMember(BasePermission):
    """Authenticated and in a lab; objects must belong to that lab. Sets `request.membership`."""

    message = _("You are not a member of a lab.")

    def has_permission(self, request, view) -> bool:
        membership = get_membership(request.user)
        if membership is None:
            return False
        request.membership = membership
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        lab_field = getattr(view, "lab_field", "lab")
        lab_id = attrgetter(lab_field.replace("__", ".") + "_id")(obj)
        return lab_id == request.membership.lab_id
