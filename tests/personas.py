"""The people of the test world (see tests/conftest.py for the fixtures).

Lab A has a technologist, a pathologist and a lab admin; lab B has a pathologist, the
"outsider", who must get 404 (or 403) for anything of lab A. Everyone can log in with
``PASSWORD`` and has a verified, primary email address.
"""

from accounts.models import Lab, Membership, User
from tests.factories import DEFAULT_PASSWORD, LabFactory, MembershipFactory

PASSWORD = DEFAULT_PASSWORD
LAB_A = "Lab A"
LAB_B = "Lab B"


def make_lab(name: str = LAB_A) -> Lab:
    return LabFactory(name=name)


def make_member(email: str, role: str, lab_name: str = LAB_A) -> User:
    membership = MembershipFactory(
        user__email=email, user__password=PASSWORD, lab=make_lab(lab_name), role=role
    )
    return membership.user


def make_technologist() -> User:
    return make_member("tech@lab-a.example.org", Membership.Role.TECHNOLOGIST)


def make_pathologist() -> User:
    return make_member("path@lab-a.example.org", Membership.Role.PATHOLOGIST)


def make_lab_admin() -> User:
    return make_member("admin@lab-a.example.org", Membership.Role.LAB_ADMIN)


def make_outsider() -> User:
    return make_member("path@lab-b.example.org", Membership.Role.PATHOLOGIST, LAB_B)
