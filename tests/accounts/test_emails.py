"""The portal's emails: the site's name and real host, clear dates with their time zone, and
the recipient's language (the site's default when the portal does not know it)."""

from datetime import UTC, datetime

from django.contrib.sites.models import Site
from django.core import mail

from accounts.models import Invitation
from tests.accounts.helpers import last_email_to

NEW_EMAIL = "new.person@example.org"
NEW_PASSWORD = "a-long-unusual-password-42"


def test_code_emails_name_the_site_and_the_host_the_links_point_to(client, db, settings):
    settings.SITE_NAME = "HematoVision Lab Network"
    settings.ALLOWED_HOSTS = ["portal.example.org"]
    Site.objects.update(name="localhost", domain="localhost")  # as a first install leaves it

    client.post(
        "/accounts/signup/",
        {"email": NEW_EMAIL, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        HTTP_HOST="portal.example.org",
    )

    body = last_email_to(NEW_EMAIL).body
    assert "localhost" not in body
    assert "HematoVision Lab Network" in body
    assert "portal.example.org" in body


def test_our_own_emails_name_the_site(client, lab_admin, settings):
    settings.SITE_NAME = "HematoVision Lab Network"
    client.force_login(lab_admin)

    client.post("/lab/invitations/new/", {"email": NEW_EMAIL, "role": "technologist"})

    assert "on HematoVision Lab Network as" in last_email_to(NEW_EMAIL).body


def test_the_invitation_gives_its_expiry_with_the_time_zone(client, lab_admin, monkeypatch):
    expires_at = Invitation._meta.get_field("expires_at")
    monkeypatch.setattr(
        expires_at, "_get_default", lambda: datetime(2026, 12, 14, 11, 22, tzinfo=UTC)
    )
    client.force_login(lab_admin)

    client.post("/lab/invitations/new/", {"email": NEW_EMAIL, "role": "technologist"})

    body = last_email_to(NEW_EMAIL).body
    assert "The invitation expires on 14 Dec 2026, 11:22 UTC." in body
    assert ".." not in body


def test_emails_to_someone_else_are_in_the_site_language_not_the_senders(
    client, lab_admin, monkeypatch
):
    expires_at = Invitation._meta.get_field("expires_at")
    monkeypatch.setattr(
        expires_at, "_get_default", lambda: datetime(2026, 12, 14, 11, 22, tzinfo=UTC)
    )
    client.force_login(lab_admin)

    client.post(
        "/lab/invitations/new/",
        {"email": NEW_EMAIL, "role": "technologist"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert Invitation.objects.filter(email=NEW_EMAIL).exists()
    assert "14 Dec 2026" in last_email_to(NEW_EMAIL).body


def test_code_emails_are_in_the_language_of_the_person_who_asked(client, db):
    client.post(
        "/accounts/signup/",
        {"email": NEW_EMAIL, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert "Bonjour" in mail.outbox[-1].body
