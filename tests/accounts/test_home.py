from django.urls import NoReverseMatch, reverse

from tests.factories import UserFactory


def test_it_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/"


def test_it_sends_a_user_without_a_lab_to_the_waiting_page(client, db):
    client.force_login(UserFactory())

    response = client.get("/", follow=True)

    assert response.redirect_chain == [("/lab/waiting/", 302)]
    assert b"not a member of a lab yet" in response.content


def test_it_sends_a_member_to_the_cases_or_the_dashboard(client, technologist):
    client.force_login(technologist)

    response = client.get("/")

    try:
        assert response.url == reverse("classifier:case_list")
    except NoReverseMatch:
        assert response.status_code == 200
        assert b"Lab A" in response.content


def test_it_sends_a_member_away_from_the_waiting_page(client, technologist):
    client.force_login(technologist)

    assert client.get("/lab/waiting/").url == "/"


def test_it_shows_lab_admin_links_to_lab_admins_only(client, lab_admin, technologist):
    client.force_login(lab_admin)
    assert b'href="/lab/members/"' in client.get("/lab/invitations/new/").content
    client.force_login(technologist)
    assert b'href="/lab/members/"' not in client.get("/accounts/2fa/").content


def test_a_pathologist_lands_on_the_review_queue(client, pathologist):
    client.force_login(pathologist)
    assert client.get("/").url == reverse("review:queue")


def test_a_lab_admin_lands_on_the_lab_overview(client, lab_admin):
    client.force_login(lab_admin)
    assert client.get("/").url == reverse("reports:lab_overview")


def test_a_technologist_lands_on_the_case_list(client, technologist):
    client.force_login(technologist)
    assert client.get("/").url == reverse("classifier:case_list")
