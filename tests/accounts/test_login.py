from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache

from audit.models import AuditEvent
from tests.accounts.helpers import code_in_last_email, log_in, totp_code


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def test_it_logs_in_with_the_password(client, technologist):
    response = log_in(client, technologist.email)

    assert response.status_code == 302
    assert response.url == "/"
    assert logged_in_user_id(client) == str(technologist.pk)
    assert AuditEvent.objects.filter(action="login", user=technologist).exists()


def test_it_refuses_a_wrong_password(client, technologist):
    response = log_in(client, technologist.email, "not-the-password")

    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    assert AuditEvent.objects.filter(action="login_failed").exists()


def test_it_logs_in_by_an_emailed_code(client, technologist):
    response = client.post("/accounts/login/code/", {"email": technologist.email})
    assert response.status_code == 302
    code = code_in_last_email(technologist.email)

    response = client.post(response.url, {"code": code})

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(technologist.pk)


def test_it_asks_for_the_totp_code_when_two_factor_is_on(client, technologist):
    secret = generate_totp_secret()
    TOTP.activate(technologist, secret)

    response = log_in(client, technologist.email)

    assert response.status_code == 302
    assert response.url == "/accounts/2fa/authenticate/"
    assert logged_in_user_id(client) is None
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert logged_in_user_id(client) is None
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(technologist.pk)
    assert Authenticator.objects.get(user=technologist, type="totp").last_used_at is not None


def test_it_accepts_a_recovery_code_instead_of_the_totp_code(client, technologist):
    TOTP.activate(technologist, generate_totp_secret())
    recovery_code = RecoveryCodes.activate(technologist).get_unused_codes()[0]
    log_in(client, technologist.email)

    client.post("/accounts/2fa/authenticate/", {"code": recovery_code})

    assert logged_in_user_id(client) == str(technologist.pk)


def test_it_blocks_log_in_after_five_failed_attempts(client, technologist):
    for _attempt in range(5):
        log_in(client, technologist.email, "not-the-password")

    response = log_in(client, technologist.email)  # even the right password

    assert response.status_code == 200
    assert "Too many failed log-in attempts" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_a_rate_limited_attempt_is_audited(client, technologist):
    for _attempt in range(5):
        log_in(client, technologist.email, "not-the-password")

    log_in(client, technologist.email)

    event = AuditEvent.objects.get(action="login_rate_limited")
    assert event.details == {"attempted_email": technologist.email}
    assert event.client_address == "127.0.0.1"


def test_it_allows_log_in_again_once_the_limit_window_has_passed(client, technologist):
    for _attempt in range(5):
        log_in(client, technologist.email, "not-the-password")
    cache.clear()  # the 5-minute window has passed

    log_in(client, technologist.email)

    assert logged_in_user_id(client) == str(technologist.pk)
