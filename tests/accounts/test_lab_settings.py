from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from audit.models import AuditEvent


def test_it_saves_the_retention_period(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    response = client.post("/lab/settings/", {"retention_days": "14", "unsigned_max_days": "14"})

    assert response.status_code == 302
    lab_a.refresh_from_db()
    assert lab_a.retention_days == 14
    assert lab_a.require_mfa is False


def test_it_saves_the_longest_wait_for_sign_off(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    response = client.post("/lab/settings/", {"retention_days": "30", "unsigned_max_days": "7"})

    assert response.status_code == 302
    lab_a.refresh_from_db()
    assert lab_a.unsigned_max_days == 7


def test_it_refuses_a_wait_for_sign_off_of_zero_days(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    response = client.post("/lab/settings/", {"retention_days": "30", "unsigned_max_days": "0"})

    assert response.status_code == 200
    assert "unsigned_max_days" in response.context["form"].errors
    lab_a.refresh_from_db()
    assert lab_a.unsigned_max_days == 14


def test_it_refuses_a_retention_of_zero_days(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    response = client.post("/lab/settings/", {"retention_days": "0"})

    assert response.status_code == 200
    lab_a.refresh_from_db()
    assert lab_a.retention_days == 30


def test_it_requires_mfa_once_the_admin_has_it(client, lab_admin, lab_a):
    TOTP.activate(lab_admin, generate_totp_secret())
    client.force_login(lab_admin)

    client.post(
        "/lab/settings/", {"retention_days": "30", "unsigned_max_days": "14", "require_mfa": "on"}
    )

    lab_a.refresh_from_db()
    assert lab_a.require_mfa is True


def test_it_asks_the_admin_to_activate_mfa_first(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    response = client.post(
        "/lab/settings/", {"retention_days": "30", "unsigned_max_days": "14", "require_mfa": "on"}
    )

    assert response.status_code == 200
    assert "require_mfa" in response.context["form"].errors
    lab_a.refresh_from_db()
    assert lab_a.require_mfa is False


def test_it_refuses_another_labs_settings(client, technologist, outsider, lab_a):
    client.force_login(outsider)  # a pathologist of lab B

    assert client.get("/lab/settings/").status_code == 403


def test_a_settings_change_is_audited_with_old_and_new_values(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    client.post("/lab/settings/", {"retention_days": "14", "unsigned_max_days": "7"})

    event = AuditEvent.objects.get(action="lab_settings_changed")
    assert (event.user, event.lab) == (lab_admin, lab_a)
    assert event.details == {
        "retention_days": {"old": 30, "new": 14},
        "unsigned_max_days": {"old": 14, "new": 7},
    }


def test_saving_unchanged_settings_writes_no_event(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    client.post("/lab/settings/", {"retention_days": "30", "unsigned_max_days": "14"})

    assert not AuditEvent.objects.filter(action="lab_settings_changed").exists()
