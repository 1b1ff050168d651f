from accounts.models import Membership
from audit.models import AuditEvent
from tests.factories import MembershipFactory


def role_url(user) -> str:
    return f"/lab/members/{user.membership.public_id}/role/"


def remove_url(user) -> str:
    return f"/lab/members/{user.membership.public_id}/remove/"


def test_it_lists_the_labs_members_only(client, lab_admin, technologist, outsider):
    client.force_login(lab_admin)

    response = client.get("/lab/members/")

    assert response.status_code == 200
    assert technologist.email.encode() in response.content
    assert outsider.email.encode() not in response.content


def test_it_changes_a_members_role(client, lab_admin, technologist):
    client.force_login(lab_admin)

    response = client.post(role_url(technologist), {"role": "pathologist"})

    assert response.status_code == 302
    technologist.membership.refresh_from_db()
    assert technologist.membership.role == Membership.Role.PATHOLOGIST
    event = AuditEvent.objects.get(action="role_changed")
    assert event.details == {
        "member": technologist.email,
        "old_role": "technologist",
        "new_role": "pathologist",
    }


def test_it_removes_a_member(client, lab_admin, technologist):
    client.force_login(lab_admin)

    client.post(remove_url(technologist))

    assert not Membership.objects.filter(user=technologist).exists()
    assert AuditEvent.objects.filter(action="member_changed", details__change="removed").exists()
    client.force_login(technologist)
    assert client.get("/").url == "/lab/waiting/"


def test_it_keeps_the_last_lab_admin(client, lab_admin):
    client.force_login(lab_admin)

    client.post(role_url(lab_admin), {"role": "technologist"})
    client.post(remove_url(lab_admin))

    lab_admin.membership.refresh_from_db()
    assert lab_admin.membership.role == Membership.Role.LAB_ADMIN


def test_it_lets_an_admin_step_down_when_another_admin_exists(client, lab_admin, lab_a):
    MembershipFactory(lab=lab_a, role=Membership.Role.LAB_ADMIN)
    client.force_login(lab_admin)

    client.post(role_url(lab_admin), {"role": "pathologist"})

    lab_admin.membership.refresh_from_db()
    assert lab_admin.membership.role == Membership.Role.PATHOLOGIST


def test_it_refuses_a_technologist_and_a_pathologist(client, technologist, pathologist):
    for user in (technologist, pathologist):
        client.force_login(user)

        assert client.get("/lab/members/").status_code == 403
        assert client.get("/lab/invitations/new/").status_code == 403
        assert client.get("/lab/settings/").status_code == 403
        assert client.post(role_url(user), {"role": "lab_admin"}).status_code == 403
    technologist.membership.refresh_from_db()
    assert technologist.membership.role == Membership.Role.TECHNOLOGIST


def test_it_404s_for_another_labs_admin(client, technologist, lab_b):
    other_admin = MembershipFactory(lab=lab_b, role=Membership.Role.LAB_ADMIN).user
    client.force_login(other_admin)

    assert client.post(role_url(technologist), {"role": "lab_admin"}).status_code == 404
    assert client.post(remove_url(technologist)).status_code == 404
    technologist.membership.refresh_from_db()
    assert technologist.membership.role == Membership.Role.TECHNOLOGIST


def test_it_sends_anonymous_visitors_to_log_in(client, technologist):
    response = client.get("/lab/members/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_it_rejects_get_on_actions(client, lab_admin, technologist):
    client.force_login(lab_admin)

    assert client.get(role_url(technologist)).status_code == 405
