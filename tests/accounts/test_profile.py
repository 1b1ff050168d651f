from django.urls import reverse

from tests.factories import UserFactory


def test_the_url_round_trips():
    assert reverse("accounts:profile") == "/profile/"


def test_it_requires_login(client, db):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_header_links_to_it(client, technologist):
    client.force_login(technologist)
    response = client.get(reverse("accounts:profile"))
    assert b'data-testid="profile-link"' in response.content


def test_a_person_sets_their_name_and_title(client, pathologist):
    client.force_login(pathologist)

    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "Ada Byron", "professional_title": "Consultant haematologist"},
    )

    assert response.status_code == 302
    pathologist.refresh_from_db()
    assert pathologist.full_name == "Ada Byron"
    assert pathologist.signature == "Ada Byron, Consultant haematologist"


def test_a_user_without_a_lab_can_edit_it_too(client, db):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"full_name": "Grace Hopper"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Grace Hopper"


def test_without_a_name_the_email_stands_in(db):
    user = UserFactory(first_name="", last_name="", full_name="", professional_title="")
    assert user.display_name == user.email
    assert user.signature == user.email
