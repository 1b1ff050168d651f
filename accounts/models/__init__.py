"""The accounts app's models: people and labs, how people join a lab, their API tokens.

A new user joins a lab in one of two ways: a lab admin's Invitation (accepted by the user with
that verified email) or the user's JoinRequest (approved by a lab admin, who picks the role).
"""

from accounts.models.api_tokens import ApiToken, api_token_digest
from accounts.models.invitations import (
    INVITATION_LIFETIME,
    Invitation,
    JoinRequest,
    _invitation_expiry,
    _new_invitation_token,
)
from accounts.models.people import (
    AlreadyInLabError,
    ApplicantNotVerifiedError,
    InvitationNotValidError,
    Lab,
    LastLabAdminError,
    Membership,
    User,
    UserManager,
)

__all__ = [
    "INVITATION_LIFETIME",
    "AlreadyInLabError",
    "ApiToken",
    "ApplicantNotVerifiedError",
    "Invitation",
    "InvitationNotValidError",
    "JoinRequest",
    "Lab",
    "LastLabAdminError",
    "Membership",
    "User",
    "UserManager",
    "_invitation_expiry",
    "_new_invitation_token",
    "api_token_digest",
]
