import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from audit.models import AuditEvent

# The count-over-fields settings, as the settings page posts them (its defaults).
COUNT_SETTINGS = {"differential_target": "100", "platelet_factor": "15000"}


def test_it_saves_the_retention_period(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    response = client.post(
        "/lab/settings/",
        {
            "report_language": "en",
            **COUNT_SETTINGS,
            "retention_days": "14",
            "unsigned_max_days": "14",
        },
    )

    assert response.status_code == 302
    lab_a.refresh_from_db()
    assert lab_a.retention_days == 14
    assert lab_a.require_mfa is False


def test_it_saves_the_longest_wait_for_sign_off(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    response = client.post(
        "/lab/settings/",
        {
            "report_language": "en",
            **COUNT_SETTINGS,
            "retention_days": "30",
            "unsigned_max_days": "7",
        },
    )

    assert response.status_code == 302
    lab_a.refresh_from_db()
    assert lab_a.unsigned_max_days == 7


def test_it_refuses_a_wait_for_sign_off_of_zero_days(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    response = client.post(
        "/lab/settings/",
        {
            "report_language": "en",
            **COUNT_SETTINGS,
            "retention_days": "30",
            "unsigned_max_days": "0",
        },
    )

    assert response.status_code == 200
    assert "unsigned_max_days" in response.context["form"].errors
    lab_a.refresh_from_db()
    assert lab_a.unsigned_max_days == 14


def test_it_refuses_a_retention_of_zero_days(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    response = client.post(
        "/lab/settings/", {"report_language": "en", **COUNT_SETTINGS, "retention_days": "0"}
    )

    assert response.status_code == 200
    lab_a.refresh_from_db()
    assert lab_a.retention_days == 30


def test_it_requires_mfa_once_the_admin_has_it(client, lab_admin, lab_a):
    TOTP.activate(lab_admin, generate_totp_secret())
    client.force_login(lab_admin)

    client.post(
        "/lab/settings/",
        {
            "report_language": "en",
            **COUNT_SETTINGS,
            "retention_days": "30",
            "unsigned_max_days": "14",
            "require_mfa": "on",
        },
    )

    lab_a.refresh_from_db()
    assert lab_a.require_mfa is True


def test_it_asks_the_admin_to_activate_mfa_first(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    response = client.post(
        "/lab/settings/",
        {
            "report_language": "en",
            **COUNT_SETTINGS,
            "retention_days": "30",
            "unsigned_max_days": "14",
            "require_mfa": "on",
        },
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

    client.post(
        "/lab/settings/",
        {
            "report_language": "en",
            **COUNT_SETTINGS,
            "retention_days": "14",
            "unsigned_max_days": "7",
        },
    )

    event = AuditEvent.objects.get(action="lab_settings_changed")
    assert (event.user, event.lab) == (lab_admin, lab_a)
    assert event.details == {
        "retention_days": {"old": 30, "new": 14},
        "unsigned_max_days": {"old": 14, "new": 7},
    }


def test_saving_unchanged_settings_writes_no_event(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    client.post(
        "/lab/settings/",
        {
            "report_language": "en",
            **COUNT_SETTINGS,
            "retention_days": "30",
            "unsigned_max_days": "14",
        },
    )

    assert not AuditEvent.objects.filter(action="lab_settings_changed").exists()


def test_it_shows_the_adult_default_reference_intervals(client, lab_admin):
    client.force_login(lab_admin)

    response = client.get("/lab/settings/")

    assert b'data-testid="reference-intervals"' in response.content
    form = response.context["form"]
    assert form["interval_neutrophil_low"].value() == 40.0
    assert form["interval_basophil_high"].value() == 1.0


def test_it_saves_the_labs_own_reference_intervals(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    response = client.post(
        "/lab/settings/",
        {
            "report_language": "en",
            **COUNT_SETTINGS,
            "retention_days": "30",
            "unsigned_max_days": "14",
            "interval_monocyte_low": "3",
            "interval_monocyte_high": "12.5",
        },
    )

    assert response.status_code == 302
    lab_a.refresh_from_db()
    assert lab_a.reference_interval("monocyte") == (3.0, 12.5)
    assert lab_a.reference_interval("neutrophil") == (40.0, 75.0)
    assert lab_a.reference_interval("platelet") is None


def test_it_refuses_an_interval_upside_down(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    response = client.post(
        "/lab/settings/",
        {
            "report_language": "en",
            **COUNT_SETTINGS,
            "retention_days": "30",
            "unsigned_max_days": "14",
            "interval_monocyte_low": "12",
            "interval_monocyte_high": "3",
        },
    )

    assert response.status_code == 200
    assert "interval_monocyte_high" in response.context["form"].errors
    lab_a.refresh_from_db()
    assert lab_a.reference_intervals == {}


def test_the_lab_admin_picks_the_labs_model_version_and_it_is_audited(client, lab_admin, lab_a):
    from audit.models import AuditEvent
    from classifier.models import ModelVersion
    from tests.factories import ModelVersionFactory

    active = ModelVersionFactory(name="pbc8", is_active=True)
    adapted = ModelVersionFactory(name="pbc8-lab-a", is_active=False)
    client.force_login(lab_admin)
    page = client.get("/lab/settings/").content.decode()
    assert "The portal&#x27;s active version (pbc8)" in page
    assert "pbc8-lab-a" in page

    response = client.post(
        "/lab/settings/",
        {
            "report_language": "en",
            **COUNT_SETTINGS,
            "retention_days": "30",
            "unsigned_max_days": "14",
            "model_version": str(adapted.pk),
        },
    )

    assert response.status_code == 302
    lab_a.refresh_from_db()
    assert lab_a.model_version == adapted
    assert ModelVersion.for_lab(lab_a) == adapted
    event = AuditEvent.objects.get(action=AuditEvent.Action.MODEL_VERSION_CHANGED)
    assert event.details["model_version"] == str(adapted.public_id)
    assert event.details["change"] == "lab's own version set"

    client.post(
        "/lab/settings/",
        {
            "report_language": "en",
            **COUNT_SETTINGS,
            "retention_days": "30",
            "unsigned_max_days": "14",
            "model_version": "",
        },
    )

    lab_a.refresh_from_db()
    assert ModelVersion.for_lab(lab_a) == active
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MODEL_VERSION_CHANGED).count() == 2


def test_saving_without_changing_the_version_records_nothing(client, lab_admin, lab_a):
    from audit.models import AuditEvent

    client.force_login(lab_admin)
    client.post(
        "/lab/settings/",
        {
            "report_language": "en",
            **COUNT_SETTINGS,
            "retention_days": "21",
            "unsigned_max_days": "14",
        },
    )
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MODEL_VERSION_CHANGED).exists()


def settings_post(**changes) -> dict:
    return {
        "report_language": "en",
        "retention_days": "30",
        "unsigned_max_days": "14",
        **COUNT_SETTINGS,
        **changes,
    }


def test_it_saves_the_differential_target_and_platelet_factor_and_audits_them(
    client, lab_admin, lab_a
):
    client.force_login(lab_admin)

    response = client.post(
        "/lab/settings/", settings_post(differential_target="200", platelet_factor="20000")
    )

    assert response.status_code == 302
    lab_a.refresh_from_db()
    assert (lab_a.differential_target, lab_a.platelet_factor) == (200, 20000)
    event = AuditEvent.objects.get(action="lab_settings_changed")
    assert event.details == {
        "differential_target": {"old": 100, "new": 200},
        "platelet_factor": {"old": 15000, "new": 20000},
    }


def test_the_settings_page_offers_both_count_settings(client, lab_admin):
    client.force_login(lab_admin)

    html = client.get("/lab/settings/").content.decode()

    assert 'name="differential_target"' in html
    assert '<option value="200">200</option>' in html
    assert 'name="platelet_factor"' in html
    assert 'value="15000"' in html


def test_it_refuses_a_target_other_than_100_or_200(client, lab_admin, lab_a):
    client.force_login(lab_admin)

    response = client.post("/lab/settings/", settings_post(differential_target="150"))

    assert response.status_code == 200
    assert "differential_target" in response.context["form"].errors
    lab_a.refresh_from_db()
    assert lab_a.differential_target == 100
    assert not AuditEvent.objects.filter(action="lab_settings_changed").exists()


@pytest.mark.parametrize("factor", ["0", "150", "1500000", "-15000", "lots"])
def test_it_refuses_a_platelet_factor_out_of_range(client, lab_admin, lab_a, factor):
    client.force_login(lab_admin)

    response = client.post("/lab/settings/", settings_post(platelet_factor=factor))

    assert response.status_code == 200
    assert "platelet_factor" in response.context["form"].errors
    lab_a.refresh_from_db()
    assert lab_a.platelet_factor == 15000
