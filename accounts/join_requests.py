"""Asking to join a lab: record the JoinRequest and email the lab's admins a link to decide it."""

from allauth.account.adapter import get_adapter
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import JoinRequest, Lab, Membership, User


def ask_to_join(request: HttpRequest, user: User, lab: Lab) -> JoinRequest:
    """Create a pending request of `user` to join `lab`, and tell the lab's admins about it."""
    join_request = JoinRequest.objects.create(user=user, lab=lab)
    notify_lab_admins(request, join_request)
    return join_request


def notify_lab_admins(request: HttpRequest, join_request: JoinRequest) -> None:
    admins = join_request.lab.memberships.filter(
        role=Membership.Role.LAB_ADMIN, user__is_active=True
    ).select_related("user")
    context = {
        "join_request": join_request,
        "requests_url": request.build_absolute_uri(reverse("accounts:join_requests")),
    }
    adapter = get_adapter(request)
    for membership in admins:
        adapter.send_mail("accounts/email/join_request", membership.user.email, context)
