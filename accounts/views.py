"""Pages for any logged-in person: the home redirect, the waiting page, invitations, profile;
and the admin's log-in, which is allauth's."""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.access import get_membership, lacks_required_mfa
from accounts.forms import JoinRequestForm, ProfileForm
from accounts.join_requests import ask_to_join
from accounts.models import AlreadyInLabError, Invitation, InvitationNotValidError, Membership
from audit.models import AuditEvent
from audit.services import record

# Where each role starts its day; technologists (and any other role) land on the case list.
LANDING_PAGES = {
    Membership.Role.PATHOLOGIST: "review:queue",
    Membership.Role.LAB_ADMIN: "reports:lab_overview",
}


def home(request: HttpRequest) -> HttpResponse:
    """Send each visitor where they belong: log-in, the waiting page, or their role's start
    page (pathologists: the review queue; lab admins: the lab overview; others: the cases)."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    membership = get_membership(request.user)
    if membership is None:
        return redirect("accounts:waiting")
    try:
        return redirect(reverse(LANDING_PAGES.get(membership.role, "classifier:case_list")))
    except NoReverseMatch:
        # The cases app is not installed yet: a plain dashboard instead.
        return render(request, "accounts/dashboard.html", {"membership": membership})


def _pending_invitations_for(user) -> list[Invitation]:
    verified = user.emailaddress_set.filter(verified=True).values_list("email", flat=True)
    same_email = Q()
    for email in verified:
        same_email |= Q(email__iexact=email)
    if not same_email:
        return []
    candidates = Invitation.objects.filter(same_email, accepted_at__isnull=True)
    return [invitation for invitation in candidates.select_related("lab") if invitation.is_pending]


@login_required
def waiting(request: HttpRequest) -> HttpResponse:
    """A user without a lab: their invitations, their join requests, and a form to ask to join."""
    if get_membership(request.user) is not None:
        return redirect("home")
    form = JoinRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        ask_to_join(request, request.user, form.cleaned_data["lab"])
        messages.success(request, _("Your request has been sent to the lab admin."))
        return redirect("accounts:waiting")
    context = {
        "form": form,
        "invitations": _pending_invitations_for(request.user),
        "join_requests": request.user.join_requests.select_related("lab").order_by("-created"),
    }
    return render(request, "accounts/waiting.html", context)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Show an invitation; a logged-in user with the invited email accepts it with a POST."""
    invitation = get_object_or_404(Invitation.objects.select_related("lab"), token=token)
    if request.method == "POST" and request.user.is_authenticated:
        was_pending = invitation.accepted_at is None
        try:
            membership = invitation.accept(request.user)
        except InvitationNotValidError as error:
            messages.error(request, str(error))
        except AlreadyInLabError as error:
            messages.error(
                request, _("You already belong to the lab %(lab)s.") % {"lab": error.args[0]}
            )
        else:
            if was_pending:
                record(
                    request,
                    AuditEvent.Action.MEMBER_CHANGED,
                    obj=membership,
                    change="invitation_accepted",
                    member=request.user.email,
                    role=membership.role,
                )
            messages.success(request, _("Welcome to %(lab)s.") % {"lab": invitation.lab.name})
            return redirect("home")
    context = {
        "invitation": invitation,
        "for_someone_else": request.user.is_authenticated and not invitation.is_for(request.user),
    }
    return render(request, "accounts/invitation.html", context)


@never_cache
def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """The Django admin's log-in page (admin.site.login): always allauth's log-in instead.

    Django's own admin log-in form checks the password alone: no second factor and no
    allauth rate limit. It never authenticates here; it sends the visitor to allauth's log-in,
    which then returns to the admin page asked for.
    """
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect("admin:index")
        # Sending a logged-in member back to the log-in page would loop: /admin/ -> here ->
        # allauth (already logged in) -> /admin/.
        raise PermissionDenied
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The person's own full name and professional title, as signed reports print them."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def mfa_required(request: HttpRequest) -> HttpResponse:
    """Why a member of a lab that requires two-factor authentication cannot go on yet, and
    the steps to activate it (accounts.middleware sends them here)."""
    if not lacks_required_mfa(request.user):
        return redirect("mfa_index")
    return render(request, "accounts/mfa_required.html", {"lab": request.user.membership.lab})
