"""Asking to join a lab: record the JoinRequest and email the lab's admins a link to decide it;
tell the applicant what was decided.

A lab named at sign-up is only remembered in the session: the request is made once the
applicant has verified their email address (accounts.adapters.AccountAdapter.confirm_email),
so that no lab admin is asked about an address nobody owns.
"""

from django.http import HttpRequest
from django.urls import reverse

from accounts.emails import send_to
from accounts.models import JoinRequest, Lab, Membership, User

LAB_TO_JOIN_SESSION_KEY = "accounts_lab_to_join"


def ask_to_join(request: HttpRequest, user: User, lab: Lab) -> JoinRequest:
    """Create a pending request of `user` to join `lab`, and tell the lab's admins about it."""
    join_request = JoinRequest.objects.create(user=user, lab=lab)
    notify_lab_admins(request, join_request)
    return join_request


def remember_lab_to_join(request: HttpRequest, lab: Lab) -> None:
    """At sign-up: ask to join `lab` once the new address is verified."""
    request.session[LAB_TO_JOIN_SESSION_KEY] = lab.pk


def ask_remembered_lab(request: HttpRequest, user: User) -> JoinRequest | None:
    """After verification: the request named at sign-up, unless it is no longer needed."""
    lab = Lab.objects.filter(pk=request.session.pop(LAB_TO_JOIN_SESSION_KEY, None)).first()
    if lab is None or Membership.objects.filter(user=user).exists():
        return None
    if user.join_requests.filter(lab=lab, status=JoinRequest.Status.PENDING).exists():
        return None
    return ask_to_join(request, user, lab)


def notify_lab_admins(request: HttpRequest, join_request: JoinRequest) -> None:
    admins = join_request.lab.memberships.filter(
        role=Membership.Role.LAB_ADMIN, user__is_active=True
    ).select_related("user")
    context = {
        "join_request": join_request,
        "requests_url": request.build_absolute_uri(reverse("accounts:join_requests")),
    }
    for membership in admins:
        user = membership.user
        send_to(request, "accounts/email/join_request", user.email, context, user=user)


def notify_applicant(
    request: HttpRequest, join_request: JoinRequest, membership: Membership | None = None
) -> None:
    """Tell the applicant that their request was approved (with their role) or declined."""
    template = (
        "accounts/email/join_request_approved"
        if join_request.status == JoinRequest.Status.APPROVED
        else "accounts/email/join_request_declined"
    )
    context = {
        "join_request": join_request,
        "membership": membership,
        "portal_url": request.build_absolute_uri(reverse("home")),
    }
    applicant = join_request.user
    send_to(request, template, applicant.email, context, user=applicant)
