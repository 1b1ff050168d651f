"""The lab admin's pages: members and roles, invitations, join requests, lab settings.

Every view acts on the admin's own lab only (accounts.access), so another lab's rows are 404s.
"""

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import get_for_lab_or_404, lab_admin_required
from accounts.forms import InvitationForm, LabSettingsForm, RoleForm, changed_settings
from accounts.invitations import invite
from accounts.join_requests import notify_applicant
from accounts.models import (
    AlreadyInLabError,
    ApplicantNotVerifiedError,
    Invitation,
    JoinRequest,
    LastLabAdminError,
    Membership,
)
from accounts.services import record_model_version_change
from audit.models import AuditEvent
from audit.services import record

LAST_ADMIN_MESSAGE = gettext_lazy("A lab needs at least one lab admin: appoint another one first.")


@lab_admin_required
def members(request: HttpRequest) -> HttpResponse:
    lab = request.membership.lab
    context = {
        "members": lab.memberships.select_related("user").order_by("user__email"),
        "invitations": [
            i for i in lab.invitations.filter(accepted_at__isnull=True) if i.is_pending
        ],
        "role_choices": Membership.Role.choices,
        "pending_count": lab.join_requests.filter(status=JoinRequest.Status.PENDING).count(),
    }
    return render(request, "accounts/lab/members.html", context)


@require_POST
@lab_admin_required
def change_role(request: HttpRequest, membership_id) -> HttpResponse:
    membership = get_for_lab_or_404(Membership, request.membership, public_id=membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("accounts:members")
    old_role = membership.role
    try:
        if membership.change_role(form.cleaned_data["role"]):
            record(
                request,
                AuditEvent.Action.ROLE_CHANGED,
                obj=membership,
                member=membership.user.email,
                old_role=old_role,
                new_role=membership.role,
            )
            messages.success(
                request,
                _("%(email)s is now %(role)s.")
                % {"email": membership.user.email, "role": membership.get_role_display()},
            )
    except LastLabAdminError:
        messages.error(request, LAST_ADMIN_MESSAGE)
    return redirect("accounts:members")


@require_POST
@lab_admin_required
def remove_member(request: HttpRequest, membership_id) -> HttpResponse:
    membership = get_for_lab_or_404(Membership, request.membership, public_id=membership_id)
    try:
        membership.remove()
    except LastLabAdminError:
        messages.error(request, LAST_ADMIN_MESSAGE)
    else:
        record(
            request,
            AuditEvent.Action.MEMBER_CHANGED,
            obj=membership,
            change="removed",
            member=membership.user.email,
            role=membership.role,
        )
        messages.success(
            request, _("%(email)s has left the lab.") % {"email": membership.user.email}
        )
    return redirect("accounts:members")


@lab_admin_required
def new_invitation(request: HttpRequest) -> HttpResponse:
    lab = request.membership.lab
    form = InvitationForm(request.POST or None, lab=lab)
    if request.method == "POST" and form.is_valid():
        email, role = form.cleaned_data["email"], form.cleaned_data["role"]
        invitation = invite(request, lab, email, role, invited_by=request.user)
        record(
            request, AuditEvent.Action.MEMBER_CHANGED, obj=invitation, change="invited", role=role
        )
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
        return redirect("accounts:members")
    return render(request, "accounts/lab/invite.html", {"form": form})


@require_POST
@lab_admin_required
def revoke_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = get_for_lab_or_404(
        Invitation, request.membership, token=token, accepted_at__isnull=True
    )
    invitation.delete()
    record(request, AuditEvent.Action.MEMBER_CHANGED, obj=invitation, change="invitation_withdrawn")
    messages.success(request, _("Invitation to %(email)s withdrawn.") % {"email": invitation.email})
    return redirect("accounts:members")


@lab_admin_required
def join_requests(request: HttpRequest) -> HttpResponse:
    verified = EmailAddress.objects.filter(user=OuterRef("user"), verified=True)
    pending = request.membership.lab.join_requests.filter(status=JoinRequest.Status.PENDING)
    context = {
        "join_requests": pending.select_related("user").annotate(email_verified=Exists(verified)),
        "role_choices": Membership.Role.choices,
    }
    return render(request, "accounts/lab/join_requests.html", context)


@require_POST
@lab_admin_required
def approve_join_request(request: HttpRequest, request_id) -> HttpResponse:
    join_request = get_for_lab_or_404(JoinRequest, request.membership, public_id=request_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("accounts:join_requests")
    try:
        if membership := join_request.approve(form.cleaned_data["role"], decided_by=request.user):
            record(
                request,
                AuditEvent.Action.MEMBER_CHANGED,
                obj=membership,
                change="join_request_approved",
                member=membership.user.email,
                role=membership.role,
            )
            notify_applicant(request, join_request, membership)
            messages.success(
                request, _("%(email)s has joined the lab.") % {"email": join_request.user.email}
            )
    except AlreadyInLabError:
        join_request.reject(decided_by=request.user)
        messages.error(request, _("This person has meanwhile joined another lab."))
    except ApplicantNotVerifiedError:
        messages.error(
            request,
            _("%(email)s has not verified their email address yet: wait until they have.")
            % {"email": join_request.user.email},
        )
    return redirect("accounts:join_requests")


@require_POST
@lab_admin_required
def reject_join_request(request: HttpRequest, request_id) -> HttpResponse:
    join_request = get_for_lab_or_404(JoinRequest, request.membership, public_id=request_id)
    if join_request.reject(decided_by=request.user):
        record(
            request,
            AuditEvent.Action.MEMBER_CHANGED,
            obj=join_request,
            change="join_request_rejected",
            member=join_request.user.email,
        )
        notify_applicant(request, join_request)
        messages.success(
            request, _("Request from %(email)s declined.") % {"email": join_request.user.email}
        )
    return redirect("accounts:join_requests")


@lab_admin_required
def lab_settings(request: HttpRequest) -> HttpResponse:
    form = LabSettingsForm(
        request.POST or None, instance=request.membership.lab, admin=request.user
    )
    if request.method == "POST" and form.is_valid():
        lab = form.save()
        if changes := changed_settings(form):
            record(request, AuditEvent.Action.LAB_SETTINGS_CHANGED, obj=lab, **changes)
        if "model_version" in form.changed_data:
            record_model_version_change(request, lab)
        messages.success(request, _("Lab settings saved."))
        return redirect("accounts:lab_settings")
    return render(request, "accounts/lab/settings.html", {"form": form})
