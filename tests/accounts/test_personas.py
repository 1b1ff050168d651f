from allauth.account.models import EmailAddress

from accounts.models import Membership
from tests.personas import PASSWORD


def test_it_gives_each_persona_a_verified_login(
    client, technologist, pathologist, lab_admin, outsider
):
    for user in (technologist, pathologist, lab_admin, outsider):
        address = EmailAddress.objects.get(user=user)
        assert address.verified and address.primary
        assert client.login(email=user.email, password=PASSWORD)


def test_it_puts_the_outsider_in_another_lab(technologist, pathologist, lab_admin, outsider, lab_a):
    assert technologist.membership.lab == lab_a
    assert pathologist.membership.role == Membership.Role.PATHOLOGIST
    assert lab_admin.membership.role == Membership.Role.LAB_ADMIN
    assert outsider.membership.lab != lab_a
    assert outsider.membership.role == Membership.Role.PATHOLOGIST
