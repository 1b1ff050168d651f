from django.core import mail

from tests.accounts.helpers import last_email_to, link_in_last_email, log_in

NEW_PASSWORD = "another-long-unusual-password-7"


def test_it_emails_a_reset_link(client, technologist):
    response = client.post("/accounts/password/reset/", {"email": technologist.email})

    assert response.status_code == 302
    assert "/accounts/password/reset/key/" in last_email_to(technologist.email).body


def test_it_sets_a_new_password_from_the_link(client, technologist):
    client.post("/accounts/password/reset/", {"email": technologist.email})
    response = client.get(
        link_in_last_email(technologist.email)
    )  # -> the same page, key in session
    form_url = response.url

    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    technologist.refresh_from_db()
    assert technologist.check_password(NEW_PASSWORD)
    log_in(client, technologist.email, NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(technologist.pk)


def test_it_sends_nothing_useful_for_an_unknown_address(client, db):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert response.status_code == 302  # same answer: no account enumeration
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)
