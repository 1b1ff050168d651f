import pytest

from accounts.models import Invitation, JoinRequest, Lab, Membership, User
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
