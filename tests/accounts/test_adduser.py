import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from accounts.models import Lab, Membership, User
from tests.accounts.helpers import log_in


def test_it_makes_a_ready_to_use_member_in_a_new_lab(client, db, capsys):
    call_command(
        "adduser",
        "New@Example.org",
        "--lab",
        "St Elsewhere",
        "--role",
        "pathologist",
        "--password",
        "pw-123-long-enough",
    )

    user = User.objects.get(email="new@example.org")
    assert user.membership.lab == Lab.objects.get(name="St Elsewhere")
    assert user.membership.role == Membership.Role.PATHOLOGIST
    address = EmailAddress.objects.get(user=user)
    assert address.verified and address.primary
    assert "Password" not in capsys.readouterr().out
    log_in(client, "new@example.org", "pw-123-long-enough")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_it_prints_a_generated_password(client, lab_a, capsys):
    call_command("adduser", "tech@example.org", "--lab", "Lab A", "--role", "technologist")

    password = capsys.readouterr().out.split("Password: ")[1].strip()
    assert len(password) >= 12
    assert User.objects.get(email="tech@example.org").membership.lab == lab_a
    log_in(client, "tech@example.org", password)
    assert "_auth_user_id" in client.session


def test_it_updates_the_role_of_an_existing_member(technologist, capsys):
    call_command("adduser", technologist.email, "--lab", "Lab A", "--role", "lab_admin")

    technologist.membership.refresh_from_db()
    assert technologist.membership.role == Membership.Role.LAB_ADMIN
    assert Membership.objects.filter(user=technologist).count() == 1


def test_it_refuses_to_move_a_member_to_another_lab(outsider):
    with pytest.raises(CommandError, match="already belongs"):
        call_command("adduser", outsider.email, "--lab", "Lab A", "--role", "pathologist")


def test_it_refuses_an_unknown_role(db):
    with pytest.raises(CommandError):
        call_command("adduser", "x@example.org", "--lab", "Lab A", "--role", "boss")


def test_it_refuses_a_bad_email(db):
    with pytest.raises(CommandError, match="Not an email"):
        call_command("adduser", "not-an-email", "--lab", "Lab A", "--role", "pathologist")
