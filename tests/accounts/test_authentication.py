"""API token authentication applies the lab's "require two-factor" rule, like browser sessions."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from rest_framework.test import APIClient

from accounts.models import ApiToken
from classifier.models import Case
from tests.factories import CaseFactory

NEW_CASE = {"accession": "MFA-1", "patient_ref": "PSEUDO-1", "specimen": "peripheral_blood"}


@pytest.fixture
def lab_requiring_mfa(lab_a):
    lab_a.require_mfa = True
    lab_a.save()
    return lab_a


def api_as(user) -> APIClient:
    _token, secret = ApiToken.issue(user, "script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_a_token_of_a_member_without_two_factor_is_refused(technologist, lab_requiring_mfa):
    client = api_as(technologist)

    listed = client.get("/api/v1/cases/")
    created = client.post("/api/v1/cases/", NEW_CASE, format="json")

    assert listed.status_code == 403
    assert "two-factor" in listed.json()["detail"]
    assert created.status_code == 403
    assert not Case.objects.exists()


def test_reports_and_reviews_are_refused_too(pathologist, lab_requiring_mfa):
    case = CaseFactory(lab=lab_requiring_mfa)
    client = api_as(pathologist)

    assert client.get(f"/api/v1/cases/{case.public_id}/report.csv").status_code == 403
    assert client.post(f"/api/v1/cases/{case.public_id}/sign-off").status_code == 403


def test_a_token_of_a_member_with_two_factor_works(technologist, lab_requiring_mfa):
    TOTP.activate(technologist, generate_totp_secret())

    assert api_as(technologist).get("/api/v1/cases/").status_code == 200


def test_a_token_works_when_the_lab_does_not_require_two_factor(technologist, lab_a):
    assert api_as(technologist).get("/api/v1/cases/").status_code == 200
