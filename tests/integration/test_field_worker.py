"""A smear field through a real Celery worker over a real Redis: the worker finds its cells,
makes a child image per white cell and classifies it; nothing is mocked (tests/conftest.py:
live_celery_worker, active_model_version)."""

import time
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken
from classifier.models import Case, CellImage
from tests.shipped import require_shipped_detector

pytestmark = pytest.mark.integration

RESULT_TIMEOUT_SECONDS = 120
FIELD_JPEG = Path(__file__).resolve().parents[1] / "fixtures" / "fields" / "images"
FIELD_JPEG = FIELD_JPEG / "BloodImage_00094.jpg"


def test_a_field_ends_with_its_white_cells_classified_in_a_real_worker(
    live_celery_worker, active_model_version, technologist
):
    require_shipped_detector()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(technologist, 'it')[1]}")
    case_id = client.post(
        "/api/v1/cases/", {"accession": "INT-F1", "patient_ref": "PSEUDO-F"}, format="json"
    ).json()["id"]
    with open(FIELD_JPEG, "rb") as field_file:
        response = client.post(
            f"/api/v1/cases/{case_id}/images/",
            {"file": field_file, "consent_retain": "true"},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    image_id = response.json()["id"]

    deadline = time.monotonic() + RESULT_TIMEOUT_SECONDS
    body = client.get(f"/api/v1/images/{image_id}/").json()
    while body["status"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        body = client.get(f"/api/v1/images/{image_id}/").json()

    assert body["status"] == "done", live_celery_worker.log_tail()
    assert body["kind"] == "field" and body["prediction"] is None
    assert body["counts"]["wbc"] == 1 and body["counts"]["rbc"] >= 10
    [cell] = body["cells"]
    assert cell["prediction"]["label"] in active_model_version.labels
    assert cell["prediction"]["model_version_id"] == str(active_model_version.public_id)
    child = CellImage.objects.get(public_id=cell["id"])
    assert child.field.public_id.hex == image_id.replace("-", "") and child.path.is_file()
    case = Case.objects.get(public_id=case_id)
    assert case.status == Case.Status.AWAITING_REVIEW
    assert client.get(f"/api/v1/cases/{case_id}/").json()["differential"]["total"] == 1
