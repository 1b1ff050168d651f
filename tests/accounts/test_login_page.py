from allauth.socialaccount.models import SocialApp
from django.contrib.sites.models import Site

GOOGLE_LINK = "/accounts/google/login/"
LINKEDIN_LINK = "/accounts/oidc/linkedin/login/"

CONFIGURED_PROVIDERS = {
    "google": {"APPS": [{"client_id": "google-id", "secret": "google-secret"}]},
    "openid_connect": {
        "APPS": [
            {
                "provider_id": "linkedin",
                "name": "LinkedIn",
                "client_id": "linkedin-id",
                "secret": "linkedin-secret",
                "settings": {"server_url": "https://www.linkedin.com/oauth"},
            }
        ]
    },
}


def test_it_shows_no_social_buttons_when_nothing_is_configured(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}

    content = client.get("/accounts/login/").content.decode()

    assert GOOGLE_LINK not in content
    assert LINKEDIN_LINK not in content
    assert "Or use a third-party" not in content


def test_it_shows_google_and_linkedin_when_configured_in_settings(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = CONFIGURED_PROVIDERS

    content = client.get("/accounts/login/").content.decode()

    assert GOOGLE_LINK in content
    assert LINKEDIN_LINK in content
    assert "LinkedIn" in content


def test_it_shows_a_provider_configured_in_the_admin(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    app = SocialApp.objects.create(provider="google", name="Google", client_id="id", secret="s")
    app.sites.add(Site.objects.get_current())

    content = client.get("/accounts/login/").content.decode()

    assert GOOGLE_LINK in content
    assert LINKEDIN_LINK not in content


def test_it_offers_a_sign_in_code_and_password_reset(client, db):
    content = client.get("/accounts/login/").content.decode()

    assert "/accounts/login/code/" in content
    assert "/accounts/password/reset/" in content
