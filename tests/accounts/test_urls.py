import uuid

import pytest
from django.urls import resolve, reverse

TOKEN = "abcDEF123_-"
UUID = uuid.UUID("12345678-1234-5678-1234-567812345678")


@pytest.mark.parametrize(
    ("name", "args", "path"),
    [
        ("home", [], "/"),
        ("accounts:waiting", [], "/lab/waiting/"),
        ("accounts:members", [], "/lab/members/"),
        ("accounts:change_role", [UUID], f"/lab/members/{UUID}/role/"),
        ("accounts:remove_member", [UUID], f"/lab/members/{UUID}/remove/"),
        ("accounts:invite", [], "/lab/invitations/new/"),
        ("accounts:invitation", [TOKEN], f"/lab/invitations/{TOKEN}/"),
        ("accounts:revoke_invitation", [TOKEN], f"/lab/invitations/{TOKEN}/revoke/"),
        ("accounts:join_requests", [], "/lab/requests/"),
        ("accounts:approve", [UUID], f"/lab/requests/{UUID}/approve/"),
        ("accounts:reject", [UUID], f"/lab/requests/{UUID}/reject/"),
        ("accounts:lab_settings", [], "/lab/settings/"),
    ],
)
def test_url_names_round_trip(name, args, path):
    assert reverse(name, args=args) == path
    assert resolve(path).view_name == name
