"""Personal API tokens: made and revoked by their owner, hashed, ended by a password change."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, api_token_digest
from audit.models import AuditEvent

TOKENS_URL = "/profile/tokens/"


def api_with(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_it_creates_a_named_token_and_shows_the_secret_once(client, technologist):
    client.force_login(technologist)

    response = client.post(TOKENS_URL, {"name": "Sysmex bridge", "expires_in_days": "30"})

    assert response.status_code == 200
    secret = response.context["secret"]
    token = ApiToken.objects.get(user=technologist)
    assert token.name == "Sysmex bridge"
    assert token.digest == api_token_digest(secret) and secret not in token.digest
    assert token.expires_at > timezone.now() + timedelta(days=29)
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )
    assert secret not in client.get(TOKENS_URL).content.decode()
    assert AuditEvent.objects.filter(action="token_created", user=technologist).exists()


def test_the_token_authenticates_api_calls_and_records_its_last_use(technologist, lab_a):
    token, secret = ApiToken.issue(technologist, "script")

    response = api_with(secret).get("/api/v1/cases/")

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None


def test_an_unknown_token_is_refused(technologist):
    assert api_with("not-a-token").get("/api/v1/cases/").status_code == 401


def test_the_owner_revokes_a_token(client, technologist, lab_a):
    token, secret = ApiToken.issue(technologist, "script")
    client.force_login(technologist)

    response = client.post(f"{TOKENS_URL}{token.public_id}/revoke/")

    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert api_with(secret).get("/api/v1/cases/").status_code == 401
    assert AuditEvent.objects.filter(action="token_revoked", user=technologist).exists()


def test_someone_else_cannot_revoke_a_token(client, technologist, outsider):
    token, _secret = ApiToken.issue(technologist, "script")
    client.force_login(outsider)

    response = client.post(f"{TOKENS_URL}{token.public_id}/revoke/")

    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_the_page_lists_only_the_owners_tokens(client, technologist, outsider):
    ApiToken.issue(technologist, "mine")
    ApiToken.issue(outsider, "theirs")
    client.force_login(technologist)

    content = client.get(TOKENS_URL).content.decode()

    assert "mine" in content and "theirs" not in content


def test_an_expired_token_is_refused(technologist, lab_a):
    _token, secret = ApiToken.issue(
        technologist, "old", expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert api_with(secret).get("/api/v1/cases/").status_code == 401


@pytest.mark.parametrize("how", ["set_password", "allauth_change"])
def test_a_password_change_ends_every_token(client, technologist, lab_a, how):
    _token, secret = ApiToken.issue(technologist, "script")
    if how == "set_password":
        technologist.set_password("another-long-password-77")
        technologist.save()
    else:
        client.force_login(technologist)
        client.post(
            "/accounts/password/change/",
            {
                "oldpassword": "correct-horse-battery-staple",
                "password1": "another-long-password-77",
                "password2": "another-long-password-77",
            },
        )
        technologist.refresh_from_db()
        assert technologist.check_password("another-long-password-77")

    assert api_with(secret).get("/api/v1/cases/").status_code == 401


def test_a_deactivated_user_cannot_use_a_token(technologist, lab_a):
    _token, secret = ApiToken.issue(technologist, "script")
    technologist.is_active = False
    technologist.save()

    assert api_with(secret).get("/api/v1/cases/").status_code == 401


def test_the_admin_never_shows_a_secret_or_its_digest(client, technologist, db):
    from tests.factories import UserFactory

    token, secret = ApiToken.issue(technologist, "script")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get("/admin/accounts/apitoken/").content.decode()
    detail = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()

    assert "script" in listing
    for page in (listing, detail):
        assert secret not in page and token.digest not in page
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
