"""Failed log-ins are limited per account, and only loosely per address (a lab shares one)."""

from django.core import mail

from tests.accounts.helpers import log_in

NEW_EMAIL = "new.person@example.org"
NEW_PASSWORD = "a-long-unusual-password-42"


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_failures_for_another_account_from_the_same_address_do_not_lock_out_the_lab(
    client, lab_admin
):
    for _attempt in range(6):
        log_in(client, "nobody@lab-a.example.org", "not-the-password")

    response = log_in(client, lab_admin.email)

    assert response.status_code == 302
    assert logged_in(client)


def test_it_locks_the_account_after_five_failures_and_says_how_long(client, technologist):
    for _attempt in range(5):
        log_in(client, technologist.email, "not-the-password")

    response = log_in(client, technologist.email)  # even the right password

    content = response.content.decode()
    assert "Too many failed log-in attempts for this account. Try again in 5 minutes" in content
    assert not logged_in(client)


def test_a_locked_account_does_not_lock_its_colleagues(client, technologist, pathologist):
    for _attempt in range(5):
        log_in(client, technologist.email, "not-the-password")

    log_in(client, pathologist.email)

    assert logged_in(client)


def test_it_locks_the_address_past_its_own_higher_limit(client, settings, technologist):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "8/5m/ip,5/5m/key"}
    for number in range(8):
        log_in(client, f"nobody{number}@example.org", "not-the-password")

    response = log_in(client, technologist.email)

    assert "Too many failed log-in attempts from your network" in response.content.decode()
    assert not logged_in(client)


def test_the_per_address_limit_is_much_higher_than_the_per_account_one(settings):
    rates = dict(
        reversed(rate.split("/", 2)[::2])
        for rate in settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")
    )

    assert int(rates["ip"]) >= 10 * int(rates["key"])


def test_a_log_in_right_after_sign_up_is_not_called_a_failed_attempt(client, db):
    client.post(
        "/accounts/signup/",
        {"email": NEW_EMAIL, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    client.logout()

    response = log_in(client, NEW_EMAIL, NEW_PASSWORD)

    content = response.content.decode()
    assert "Too many failed" not in content
    assert "A verification code was sent to this address a moment ago" in content
    assert "seconds" in content
    assert len(mail.outbox) == 1
