"""The account menu in the header: where a person finds their profile, password, email
addresses, two-factor authentication, sessions and API tokens."""

import re

import pytest

LINKS = {
    "/profile/": "Profile",
    "/accounts/password/change/": "Change password",
    "/accounts/email/": "Email addresses",
    "/accounts/2fa/": "Two-factor authentication",
    "/accounts/sessions/": "Sessions",
    "/profile/tokens/": "API tokens",
}


def account_menu(html: str) -> str:
    match = re.search(r'<details class="account-menu".*?</details>', html, re.DOTALL)
    assert match, "no account menu"
    return match.group(0)


@pytest.mark.parametrize("url", ["/cases/", "/lab/waiting/", "/profile/"])
def test_every_page_has_the_account_menu(client, technologist, url, db):
    client.force_login(technologist)

    response = client.get(url, follow=True)

    menu = account_menu(response.content.decode())
    for href, words in LINKS.items():
        assert f'href="{href}"' in menu and words in menu


def test_each_link_of_the_menu_opens(client, technologist):
    client.force_login(technologist)

    for href in LINKS:
        assert client.get(href).status_code == 200, href


def test_anonymous_visitors_have_no_account_menu(client, db):
    response = client.get("/accounts/login/")

    assert 'class="account-menu"' not in response.content.decode()
