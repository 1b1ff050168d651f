"""A member of a lab that requires two-factor authentication is told so, and why, and reaches
TOTP activation straight after logging in."""

import time

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

from tests.accounts.helpers import log_in
from tests.personas import PASSWORD

REQUIRED_URL = "/profile/two-factor/required/"
ACTIVATE_URL = "/accounts/2fa/totp/activate/"


def require_mfa(lab) -> None:
    lab.require_mfa = True
    lab.save()


def test_it_explains_the_requirement_and_the_steps(client, technologist, lab_a):
    require_mfa(lab_a)
    log_in(client, technologist.email)

    response = client.get("/", follow=True)

    assert response.redirect_chain[-1] == (REQUIRED_URL, 302)
    content = response.content.decode()
    assert "Your lab requires two-factor authentication" in content
    assert "authenticator app" in content
    assert "recovery codes" in content
    assert f'href="{ACTIVATE_URL}"' in content


def test_a_fresh_log_in_reaches_activation_without_reauthenticating(client, technologist, lab_a):
    require_mfa(lab_a)
    log_in(client, technologist.email)

    response = client.get(ACTIVATE_URL)

    assert response.status_code == 200
    assert "form" in response.context


def test_it_asks_for_the_password_again_long_after_log_in(client, technologist):
    log_in(client, technologist.email)
    session = client.session
    records = session[AUTHENTICATION_METHODS_SESSION_KEY]
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {**record, "at": time.time() - 3600} for record in records
    ]
    session.save()

    response = client.get(ACTIVATE_URL)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/reauthenticate/")
    response = client.post(response.url, {"password": PASSWORD})
    assert response.url == ACTIVATE_URL


def test_the_nav_links_lead_to_the_explanation(client, technologist, lab_a):
    require_mfa(lab_a)
    client.force_login(technologist)

    for url in ("/cases/", "/profile/tokens/", "/profile/", "/lab/waiting/"):
        response = client.get(url)
        assert (url, response.status_code, response.url) == (url, 302, REQUIRED_URL)


def test_the_activation_page_says_the_lab_requires_it(client, technologist, lab_a):
    require_mfa(lab_a)
    log_in(client, technologist.email)

    response = client.get(ACTIVATE_URL)

    assert "Your lab requires two-factor authentication" in response.content.decode()


def test_it_sends_a_member_whose_lab_does_not_require_it_to_the_security_page(client, technologist):
    client.force_login(technologist)

    response = client.get(REQUIRED_URL)

    assert (response.status_code, response.url) == (302, "/accounts/2fa/")
