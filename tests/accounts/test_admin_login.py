"""The admin log-in is allauth's: no password-only door around two-factor or rate limits."""

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from tests.accounts.helpers import log_in, totp_code
from tests.factories import UserFactory
from tests.personas import PASSWORD


def make_staff_with_totp() -> tuple:
    staff = UserFactory(email="staff@example.org", is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    return staff, secret


def test_it_never_logs_in_with_the_admin_form(client, db):
    staff, _ = make_staff_with_totp()
    for _attempt in range(12):
        client.post("/admin/login/", {"username": staff.email, "password": "wrong-password"})

    response = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert client.get("/api/v1/cases/").status_code in (401, 403)


def test_it_sends_the_admin_log_in_to_allauth_with_next(client, db):
    response = client.get("/admin/login/", {"next": "/admin/classifier/case/"})

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=%2Fadmin%2Fclassifier%2Fcase%2F"


def test_the_admin_index_leads_an_anonymous_visitor_to_allauth(client, db):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")
    assert response.status_code == 200


def test_staff_with_totp_reach_the_admin_only_after_the_code(client, db):
    staff, secret = make_staff_with_totp()

    response = client.post(
        "/accounts/login/?next=/admin/", {"login": staff.email, "password": PASSWORD}
    )

    assert response.url == "/accounts/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_failures_count_toward_allauths_rate_limit(client, db):
    staff, _ = make_staff_with_totp()
    for _attempt in range(5):
        log_in(client, staff.email, "wrong-password")

    response = log_in(client, staff.email)

    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_a_logged_in_member_without_staff_status_gets_a_403_not_a_loop(client, technologist):
    client.force_login(technologist)

    assert client.get("/admin/login/").status_code == 403


def test_logged_in_staff_go_to_the_admin_index(client, db):
    client.force_login(UserFactory(is_staff=True))

    response = client.get("/admin/login/")

    assert response.status_code == 302
    assert response.url == "/admin/"
