"""API authentication by personal token (accounts.models.ApiToken): `Authorization: Token <secret>`.

The token is looked up by the digest of the secret. It is refused once revoked, expired or made
under an earlier password, and while the owner's lab requires two-factor authentication that
the owner has not activated: the session middleware never sees token requests, so the rule is
applied here, where DRF authenticates them.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.access import MFA_REQUIRED_MESSAGE, lacks_required_mfa
from accounts.models import ApiToken, api_token_digest


class ApiTokenAuthentication(TokenAuthentication):
    model = ApiToken

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.select_related("user__membership__lab")
            .filter(digest=api_token_digest(key))
            .first()
        )
        if token is None or not token.is_valid or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        if lacks_required_mfa(token.user):
            raise exceptions.PermissionDenied(MFA_REQUIRED_MESSAGE)
        token.mark_used()
        return (token.user, token)
