"""The header language menu (set_language), remembered on the account and applied at log-in."""

from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.models import JoinRequest
from tests.accounts.helpers import log_in
from tests.factories import UserFactory

LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME


def test_the_language_urls_round_trip():
    assert reverse("set_language") == "/i18n/setlang/"
    assert reverse("javascript-catalog") == "/jsi18n/"


def test_every_page_has_the_language_menu(client, db):
    response = client.get(reverse("account_login"))

    assert b'data-testid="language-menu"' in response.content
    assert b'action="/i18n/setlang/"' in response.content
    assert 'lang="hi">हिंदी</option>'.encode() in response.content


def test_it_sets_the_cookie_for_a_visitor(client):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert response.cookies[LANGUAGE_COOKIE].value == "fr"


def test_it_saves_the_choice_of_a_member(client, technologist):
    client.force_login(technologist)

    client.post(reverse("set_language"), {"language": "hi", "next": "/"})

    technologist.refresh_from_db()
    assert technologist.language == "hi"


def test_it_ignores_a_language_the_portal_does_not_offer(client, technologist):
    client.force_login(technologist)

    client.post(reverse("set_language"), {"language": "de", "next": "/"})

    technologist.refresh_from_db()
    assert technologist.language == ""


def test_log_in_applies_the_saved_language(client, technologist):
    technologist.language = "pt"
    technologist.save()

    response = log_in(client, technologist.email)

    assert response.status_code == 302
    assert response.cookies[LANGUAGE_COOKIE].value == "pt"
    page = client.get(reverse("classifier:case_list"))
    assert b'<html lang="pt">' in page.content
    assert b"Casos" in page.content


def test_log_in_without_a_saved_language_keeps_the_browser_choice(client, technologist):
    response = log_in(client, technologist.email)

    assert LANGUAGE_COOKIE not in response.cookies


def test_the_javascript_catalogue_translates(client):
    client.cookies[LANGUAGE_COOKIE] = "es"

    response = client.get(reverse("javascript-catalog"))

    assert response.status_code == 200
    assert b"No identificada" in response.content


def test_an_email_to_a_member_is_in_their_saved_language(client, lab_admin, lab_a):
    applicant = UserFactory(email="applicant@example.org", language="hi")
    join_request = JoinRequest.objects.create(user=applicant, lab=lab_a)
    client.force_login(lab_admin)
    client.cookies[LANGUAGE_COOKIE] = "fr"  # the admin's own language does not matter

    client.post(f"/lab/requests/{join_request.public_id}/approve/", {"role": "pathologist"})

    [message] = mail.outbox
    assert "पैथोलॉजिस्ट" in message.body
