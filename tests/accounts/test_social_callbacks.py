"""The README names the callback (redirect) URLs to register with Google and LinkedIn, as the
installed allauth serves them."""

from pathlib import Path

from django.urls import reverse

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_names_the_google_callback_url():
    assert f"https://<your host>{reverse('google_callback')}" in README.read_text()


def test_the_readme_names_the_linkedin_callback_url():
    callback = reverse("openid_connect_callback", kwargs={"provider_id": "linkedin"})

    assert f"https://<your host>{callback}" in README.read_text()
