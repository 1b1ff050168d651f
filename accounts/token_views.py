"""A person's own API tokens: list, create (the secret is shown once), revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.forms import ApiTokenForm
from accounts.models import ApiToken
from audit.models import AuditEvent
from audit.services import record


@login_required
@never_cache  # the page that shows a new secret must not be kept by a browser or proxy
def tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        token, secret = ApiToken.issue(
            request.user, form.cleaned_data["name"], expires_at=form.expires_at()
        )
        record(
            request,
            AuditEvent.Action.TOKEN_CREATED,
            obj=token,
            expires_at=token.expires_at,
        )
        form = ApiTokenForm()
    context = {
        "form": form,
        "secret": secret,
        "tokens": [t for t in request.user.api_tokens.select_related("user")],
    }
    return render(request, "accounts/tokens.html", context)


@require_POST
@login_required
def revoke_token(request: HttpRequest, token_id) -> HttpResponse:
    token = get_object_or_404(ApiToken, user=request.user, public_id=token_id)
    token.delete()
    record(request, AuditEvent.Action.TOKEN_REVOKED, obj=token)
    messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
