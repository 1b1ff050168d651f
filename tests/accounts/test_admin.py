import pytest

from accounts.models import Invitation, JoinRequest, Lab, Membership, User
from audit.models import AuditEvent
from tests.factories import UserFactory


@pytest.fixture
def site_admin(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", [User, Lab, Membership, Invitation, JoinRequest])
def test_it_lists_and_adds_each_model(client, site_admin, technologist, model):
    client.force_login(site_admin)
    base = f"/admin/accounts/{model._meta.model_name}/"

    assert client.get(base).status_code == 200
    assert client.get(base + "add/").status_code == 200


def test_it_creates_a_user_by_email(client, site_admin):
    client.force_login(site_admin)

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "made.by.admin@example.org",
            "usable_password": "true",
            "password1": "a-long-unusual-password-42",
            "password2": "a-long-unusual-password-42",
            "membership-TOTAL_FORMS": "0",
            "membership-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.filter(email="made.by.admin@example.org").exists()


def test_a_role_changed_in_the_membership_admin_is_audited(client, site_admin, technologist):
    membership = technologist.membership
    client.force_login(site_admin)

    response = client.post(
        f"/admin/accounts/membership/{membership.pk}/change/",
        {"user": technologist.pk, "lab": membership.lab.pk, "role": "lab_admin"},
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="role_changed")
    assert (event.user, event.lab) == (site_admin, membership.lab)
    assert (event.details["member"], event.details["role"]) == (technologist.email, "lab_admin")


def test_a_role_changed_in_the_user_page_inline_is_audited(client, site_admin, technologist):
    membership = technologist.membership
    client.force_login(site_admin)

    response = client.post(
        f"/admin/accounts/user/{technologist.pk}/change/",
        {
            "email": technologist.email,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "membership-TOTAL_FORMS": "1",
            "membership-INITIAL_FORMS": "1",
            "membership-0-id": membership.pk,
            "membership-0-user": technologist.pk,
            "membership-0-lab": membership.lab.pk,
            "membership-0-role": "pathologist",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    membership.refresh_from_db()
    assert membership.role == "pathologist"
    event = AuditEvent.objects.get(action="role_changed")
    assert event.details["role"] == "pathologist"


def test_making_a_user_staff_is_audited(client, site_admin, technologist):
    client.force_login(site_admin)

    client.post(
        f"/admin/accounts/user/{technologist.pk}/change/",
        {
            "email": technologist.email,
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "membership-TOTAL_FORMS": "0",
            "membership-INITIAL_FORMS": "0",
        },
    )

    event = AuditEvent.objects.get(action="role_changed", object_id=str(technologist.pk))
    assert event.details["fields"] == ["is_staff"] and event.details["is_staff"] is True


def test_lab_settings_changed_in_the_admin_are_audited(client, site_admin, lab_a):
    client.force_login(site_admin)

    response = client.post(
        f"/admin/accounts/lab/{lab_a.pk}/change/",
        {
            "name": lab_a.name,
            "retention_days": "7",
            "unsigned_max_days": "14",
            "require_mfa": "on",
            "report_language": "en",
            "differential_target": "200",
            "platelet_factor": "15000",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action="lab_settings_changed")
    assert event.lab == lab_a
    assert event.details == {
        "require_mfa": {"old": False, "new": True},
        "retention_days": {"old": 30, "new": 7},
        "differential_target": {"old": 100, "new": 200},
    }


def test_the_admin_home_shows_one_accounts_section_and_labs_and_people(client, site_admin):
    client.force_login(site_admin)

    response = client.get("/admin/")

    titles = [app["name"] for app in response.context["app_list"]]
    assert "Labs and people" in titles
    assert len(titles) == len(set(title.lower() for title in titles))
