from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.middleware import LabMfaRequiredMiddleware
from accounts.models import User
from tests.accounts.helpers import log_in, totp_code

ACTIVATE_URL = "/accounts/2fa/totp/activate/"
REQUIRED_URL = "/profile/two-factor/required/"


def require_mfa(lab) -> None:
    lab.require_mfa = True
    lab.save()


def test_it_activates_totp_with_a_code_from_the_app(client, technologist):
    log_in(client, technologist.email)
    secret = client.get(ACTIVATE_URL).context["form"].secret

    response = client.post(ACTIVATE_URL, {"code": totp_code(secret)})

    assert response.status_code == 302
    assert response.url == "/accounts/2fa/recovery-codes/"
    types = set(Authenticator.objects.filter(user=technologist).values_list("type", flat=True))
    assert types == {"totp", "recovery_codes"}


def test_it_refuses_a_wrong_activation_code(client, technologist):
    log_in(client, technologist.email)
    client.get(ACTIVATE_URL)

    response = client.post(ACTIVATE_URL, {"code": "123456"})

    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=technologist).exists()


def test_it_sends_a_member_of_a_lab_requiring_mfa_to_the_explanation(client, technologist, lab_a):
    require_mfa(lab_a)
    client.force_login(technologist)

    for url in ("/", "/lab/waiting/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == REQUIRED_URL


def test_it_lets_the_mfa_account_and_logout_pages_through(client, technologist, lab_a):
    require_mfa(lab_a)
    client.force_login(technologist)

    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/accounts/email/").status_code == 200
    assert client.get("/static/css/app.css").status_code in (200, 404)  # never a redirect
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_it_lets_a_member_with_totp_through(client, technologist, lab_a):
    require_mfa(lab_a)
    TOTP.activate(technologist, generate_totp_secret())
    client.force_login(technologist)

    response = client.get("/")

    assert response.url != REQUIRED_URL


def test_it_does_nothing_for_labs_that_do_not_require_mfa(client, technologist):
    client.force_login(technologist)

    response = client.get("/")

    assert response.status_code in (200, 302)
    assert getattr(response, "url", "") != REQUIRED_URL


def test_it_does_nothing_for_the_other_lab(client, outsider, lab_a):
    require_mfa(lab_a)
    client.force_login(outsider)

    response = client.get("/")

    assert getattr(response, "url", "") != REQUIRED_URL


def test_it_answers_api_calls_with_403(technologist, lab_a):
    require_mfa(lab_a)
    request = RequestFactory().get("/api/cases/")
    request.user = User.objects.get(pk=technologist.pk)  # as a request loads it: lab is fresh
    middleware = LabMfaRequiredMiddleware(lambda request: HttpResponse())

    response = middleware.process_view(request, lambda request: HttpResponse(), (), {})

    assert response.status_code == 403
    assert b"two-factor" in response.content


def test_it_lets_the_member_in_once_totp_is_activated(client, technologist, lab_a):
    require_mfa(lab_a)
    log_in(client, technologist.email)
    response = client.get("/")
    assert response.url == REQUIRED_URL
    secret = client.get(ACTIVATE_URL).context["form"].secret
    client.post(ACTIVATE_URL, {"code": totp_code(secret)})

    response = client.get("/")

    assert response.url != REQUIRED_URL
