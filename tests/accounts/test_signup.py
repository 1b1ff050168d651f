from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache

from accounts.models import JoinRequest, User
from tests.accounts.helpers import code_in_last_email, log_in

NEW_EMAIL = "new.person@example.org"
NEW_PASSWORD = "a-long-unusual-password-42"


def sign_up(client, **extra):
    data = {"email": NEW_EMAIL, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, **extra}
    return client.post("/accounts/signup/", data)


def test_it_asks_for_the_emailed_code_before_the_account_can_be_used(client, db):
    response = sign_up(client)

    assert response.status_code == 302
    assert response.url == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    address = EmailAddress.objects.get(email=NEW_EMAIL)
    assert not address.verified


def test_it_logs_in_after_the_code_and_shows_the_waiting_page(client, db):
    sign_up(client)
    code = code_in_last_email(NEW_EMAIL)

    response = client.post("/accounts/confirm-email/", {"code": code})

    assert response.status_code == 302
    assert EmailAddress.objects.get(email=NEW_EMAIL).verified
    assert client.session["_auth_user_id"] == str(User.objects.get(email=NEW_EMAIL).pk)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/lab/waiting/"
    assert b"Waiting for your lab" in response.content


def test_it_rejects_a_wrong_code(client, db):
    sign_up(client)

    response = client.post("/accounts/confirm-email/", {"code": "ZZZZZZ"})

    assert response.status_code == 200
    assert not EmailAddress.objects.get(email=NEW_EMAIL).verified
    assert "_auth_user_id" not in client.session


def test_it_then_logs_in_with_the_password(client, db):
    sign_up(client)
    client.post("/accounts/confirm-email/", {"code": code_in_last_email(NEW_EMAIL)})
    client.post("/accounts/logout/")

    response = log_in(client, NEW_EMAIL, NEW_PASSWORD)

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_it_does_not_log_in_an_unverified_account(client, db):
    sign_up(client)
    client.logout()
    cache.clear()  # minutes later: allauth sends one verification email per 3 minutes

    response = log_in(client, NEW_EMAIL, NEW_PASSWORD)

    assert response.status_code == 302
    assert response.url == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_it_records_a_request_to_join_a_lab_by_name_once_the_email_is_verified(
    client, lab_a, lab_admin
):
    sign_up(client, lab="lab a")
    assert not JoinRequest.objects.filter(user__email=NEW_EMAIL).exists()
    assert [message.to for message in mail.outbox] == [[NEW_EMAIL]]  # the code only

    client.post("/accounts/confirm-email/", {"code": code_in_last_email(NEW_EMAIL)})

    join_request = JoinRequest.objects.get(user__email=NEW_EMAIL)
    assert join_request.lab == lab_a
    assert join_request.status == JoinRequest.Status.PENDING
    assert mail.outbox[-1].to == [lab_admin.email]


def test_it_records_no_request_for_an_address_never_verified(client, lab_a, lab_admin):
    sign_up(client, lab="lab a")

    client.post("/accounts/confirm-email/", {"code": "ZZZZZZ"})

    assert not JoinRequest.objects.exists()
    assert not [message for message in mail.outbox if lab_admin.email in message.to]


def test_it_does_not_tell_whether_a_lab_name_exists(client, lab_a):
    unknown = sign_up(client, lab="No Such Lab")
    client.logout()
    known = client.post(
        "/accounts/signup/",
        {
            "email": "other@example.org",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "lab": "Lab A",
        },
    )

    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    assert User.objects.filter(email=NEW_EMAIL).exists()
    client.post("/accounts/confirm-email/", {"code": code_in_last_email("other@example.org")})
    assert not JoinRequest.objects.filter(user__email=NEW_EMAIL).exists()
    assert JoinRequest.objects.filter(user__email="other@example.org", lab=lab_a).exists()


def test_the_form_shows_the_same_errors_for_a_known_and_an_unknown_lab(client, lab_a):
    # A bad password keeps the form on screen: nothing on it may depend on the lab name.
    errors = [
        sign_up(client, lab=name, password2="different-password-1").context["form"].errors
        for name in ("Lab A", "No Such Lab")
    ]

    assert errors[0] == errors[1] and "lab" not in errors[0]
