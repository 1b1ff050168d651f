from django.test import Client

from tests.accounts.helpers import log_in


def test_it_lists_the_users_sessions(client, technologist):
    log_in(client, technologist.email)

    response = client.get("/accounts/sessions/")

    assert response.status_code == 200
    assert response.context["session_count"] == 1


def test_it_logs_out_the_other_sessions(client, technologist):
    laptop, phone = client, Client()
    log_in(laptop, technologist.email)
    log_in(phone, technologist.email)
    assert phone.get("/lab/waiting/").status_code == 302  # logged in: sent home

    response = laptop.post("/accounts/sessions/")

    assert response.status_code == 302
    assert "_auth_user_id" not in phone.session
    response = phone.get("/")
    assert response.url == "/accounts/login/"
    assert laptop.session["_auth_user_id"] == str(technologist.pk)


def test_it_links_the_sessions_page_from_the_navigation(client, technologist):
    client.force_login(technologist)

    assert b'href="/accounts/sessions/"' in client.get("/accounts/2fa/").content
