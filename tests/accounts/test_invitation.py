import html
import re
from datetime import timedelta

from django.utils import timezone

from accounts.models import Invitation, Membership
from audit.models import AuditEvent
from tests.accounts.helpers import code_in_last_email, last_email_to, link_in_last_email
from tests.factories import UserFactory

INVITEE = "invitee@example.org"
PASSWORD = "a-long-unusual-password-42"


def invite(client, lab_admin, email=INVITEE, role="pathologist"):
    client.force_login(lab_admin)
    return client.post("/lab/invitations/new/", {"email": email, "role": role})


def test_it_emails_an_invitation_link(client, lab_admin, lab_a):
    response = invite(client, lab_admin)

    assert response.status_code == 302
    invitation = Invitation.objects.get(email=INVITEE)
    assert invitation.lab == lab_a
    assert invitation.role == Membership.Role.PATHOLOGIST
    assert invitation.is_pending
    assert f"/lab/invitations/{invitation.token}/" in last_email_to(INVITEE).body
    assert AuditEvent.objects.filter(action="member_changed", details__change="invited").exists()


def test_it_replaces_an_earlier_pending_invitation(client, lab_admin):
    invite(client, lab_admin, role="technologist")

    invite(client, lab_admin, role="pathologist")

    assert list(Invitation.objects.values_list("role", flat=True)) == ["pathologist"]


def test_it_refuses_to_invite_a_current_member(client, lab_admin, technologist):
    response = invite(client, lab_admin, email=technologist.email)

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_it_makes_a_member_after_sign_up_with_the_invited_email(client, lab_admin, lab_a):
    invite(client, lab_admin)
    client.logout()
    link = link_in_last_email(INVITEE)

    response = client.get(link)
    assert b"Sign up" in response.content
    client.post(
        f"/accounts/signup/?next={link}",
        {"email": INVITEE, "password1": PASSWORD, "password2": PASSWORD, "next": link},
    )
    response = client.post("/accounts/confirm-email/", {"code": code_in_last_email(INVITEE)})
    assert response.url == link
    response = client.post(link)

    assert response.status_code == 302
    membership = Membership.objects.get(user__email=INVITEE)
    assert (membership.lab, membership.role) == (lab_a, Membership.Role.PATHOLOGIST)
    invitation = Invitation.objects.get(email=INVITEE)
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == membership.user


def test_it_lets_an_existing_user_accept_after_log_in(client, lab_admin, lab_a):
    invite(client, lab_admin, email="Invitee@Example.org")
    user = UserFactory(email=INVITEE)
    client.force_login(user)

    client.post(link_in_last_email("invitee@example.org"))

    assert Membership.objects.get(user=user).lab == lab_a


def test_it_refuses_a_user_with_another_email(client, lab_admin):
    invite(client, lab_admin)
    someone_else = UserFactory()
    client.force_login(someone_else)

    response = client.post(link_in_last_email(INVITEE))

    assert response.status_code == 200
    assert not Membership.objects.filter(user=someone_else).exists()
    assert Invitation.objects.get(email=INVITEE).accepted_at is None


def test_it_refuses_an_unverified_email(client, lab_admin):
    invite(client, lab_admin)
    user = UserFactory(email=INVITEE, email_verified=False)
    client.force_login(user)

    client.post(link_in_last_email(INVITEE))

    assert not Membership.objects.filter(user=user).exists()


def test_it_refuses_an_expired_invitation(client, lab_admin):
    invite(client, lab_admin)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    user = UserFactory(email=INVITEE)
    client.force_login(user)

    response = client.post(link_in_last_email(INVITEE))

    assert b"expired" in response.content
    assert not Membership.objects.filter(user=user).exists()


def test_it_refuses_a_member_of_another_lab(client, lab_admin, outsider):
    invite(client, lab_admin, email=outsider.email)
    client.force_login(outsider)

    client.post(link_in_last_email(outsider.email))

    outsider.refresh_from_db()
    assert outsider.membership.lab.name == "Lab B"


def test_it_changes_nothing_when_accepted_twice(client, lab_admin):
    invite(client, lab_admin)
    user = UserFactory(email=INVITEE)
    client.force_login(user)
    link = link_in_last_email(INVITEE)
    client.post(link)

    response = client.post(link)

    assert response.status_code == 302
    assert Membership.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(details__change="invitation_accepted").count() == 1


def test_it_404s_for_an_unknown_token(client, db):
    assert client.get("/lab/invitations/not-a-token/").status_code == 404


def test_it_lets_the_lab_admin_withdraw_an_invitation(client, lab_admin):
    invite(client, lab_admin)
    token = Invitation.objects.get().token

    client.post(f"/lab/invitations/{token}/revoke/")

    assert not Invitation.objects.exists()


def test_it_does_not_let_another_lab_admin_withdraw_it(client, lab_admin, lab_b):
    invite(client, lab_admin)
    token = Invitation.objects.get().token
    other_admin = UserFactory()
    Membership.objects.create(user=other_admin, lab=lab_b, role=Membership.Role.LAB_ADMIN)
    client.force_login(other_admin)

    response = client.post(f"/lab/invitations/{token}/revoke/")

    assert response.status_code == 404
    assert Invitation.objects.exists()


def test_it_offers_pending_invitations_on_the_waiting_page(client, lab_admin, lab_a):
    invite(client, lab_admin)
    user = UserFactory(email=INVITEE)  # signed up without following the link
    client.force_login(user)

    response = client.get("/lab/waiting/")

    assert b"Join Lab A as Pathologist" in response.content
    token = Invitation.objects.get().token
    assert f'action="/lab/invitations/{token}/"'.encode() in response.content


def test_the_sign_up_link_fills_in_the_invited_email(client, lab_admin):
    invite(client, lab_admin)
    client.logout()
    link = link_in_last_email(INVITEE)

    page = client.get(link).content.decode()
    signup_url = re.search(r'href="(/accounts/signup/\?email=[^"]*)"', page).group(1)
    form = client.get(html.unescape(signup_url)).context["form"]

    assert form["email"].value() == INVITEE


def test_someone_else_logged_in_is_told_whose_invitation_it_is(client, lab_admin, db):
    invite(client, lab_admin)
    link = link_in_last_email(INVITEE)
    client.force_login(UserFactory(email="someone.else@example.org"))

    content = client.get(link).content.decode()

    assert "Accept the invitation" not in content
    assert "This invitation is for invitee@example.org" in content
    assert "you are logged in as someone.else@example.org" in content
    assert 'action="/accounts/logout/"' in content
