from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.accounts.helpers import log_in


def test_it_ends_the_session_after_the_idle_timeout(client, technologist, settings):
    log_in(client, technologist.email)
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date <= timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)

    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/lab/waiting/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_it_extends_the_session_on_each_request(client, technologist):
    log_in(client, technologist.email)
    key = client.session.session_key
    soon = timezone.now() + timedelta(seconds=60)
    Session.objects.filter(pk=key).update(expire_date=soon)

    client.get("/accounts/2fa/")

    assert Session.objects.get(pk=key).expire_date > soon
