"""Inviting people into a lab: create the Invitation and email its link."""

from django.http import HttpRequest
from django.urls import reverse

from accounts.emails import send_to
from accounts.models import Invitation, Lab, User


def invite(request: HttpRequest, lab: Lab, email: str, role: str, invited_by: User) -> Invitation:
    """Replace any pending invitation of `email` to `lab` with a new one, and email its link."""
    lab.invitations.filter(email__iexact=email, accepted_at__isnull=True).delete()
    invitation = Invitation.objects.create(lab=lab, email=email, role=role, invited_by=invited_by)
    send_invitation_email(request, invitation)
    return invitation


def send_invitation_email(request: HttpRequest, invitation: Invitation) -> None:
    link = request.build_absolute_uri(reverse("accounts:invitation", args=[invitation.token]))
    context = {"invitation": invitation, "invitation_url": link}
    invitee = User.objects.filter(email__iexact=invitation.email).first()
    send_to(request, "accounts/email/invitation", invitation.email, context, user=invitee)
