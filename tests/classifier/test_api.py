"""API v1: cases and images, status codes, lab scoping, token authentication, OpenAPI schema."""

import io
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from audit.models import AuditEvent
from classifier import tasks
from classifier.models import Case, CellImage
from tests.classifier.conftest import files_under, fixture_jpeg

pytestmark = pytest.mark.django_db
MEMBERS = ["technologist", "pathologist", "lab_admin"]
NEW_CASE = {"accession": "API-1", "patient_ref": "PSEUDO-9", "specimen": "peripheral_blood"}


@pytest.fixture
def api(request):
    def as_(persona: str | None) -> APIClient:
        client = APIClient()
        if persona:
            _token, secret = ApiToken.issue(request.getfixturevalue(persona), "tests")
            client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        return client

    return as_


def jpeg(name="cell.jpg", content=None):
    file = io.BytesIO(fixture_jpeg() if content is None else content)
    file.name = name
    return file


@pytest.mark.parametrize("persona", MEMBERS)
def test_members_create_a_case(persona, api, lab_a):
    response = api(persona).post("/api/v1/cases/", NEW_CASE, format="json")
    assert response.status_code == 201
    body = response.json()
    case = Case.objects.get(public_id=body["id"])
    assert (case.lab, case.accession, body["status"], body["images"]) == (
        lab_a,
        "API-1",
        "draft",
        [],
    )
    assert body["priority"] == "routine"


def test_a_case_needs_its_fields(api, lab_a):
    response = api("technologist").post("/api/v1/cases/", {"accession": "X"}, format="json")
    assert response.status_code == 400
    assert "patient_ref" in response.json()


def test_a_duplicate_accession_is_a_400(api, case):
    response = api("technologist").post(
        "/api/v1/cases/", {**NEW_CASE, "accession": "ACC-1"}, format="json"
    )
    assert response.status_code == 400
    assert "accession" in response.json()


def test_the_status_cannot_be_set_by_a_client(api, lab_a):
    response = api("technologist").post(
        "/api/v1/cases/", {**NEW_CASE, "status": "signed"}, format="json"
    )
    assert response.json()["status"] == "draft"


def test_the_list_holds_the_labs_cases_only(api, case, other_case):
    response = api("pathologist").get("/api/v1/cases/")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [str(case.public_id)]


def test_another_labs_case_is_a_404(api, case):
    assert api("outsider").get(f"/api/v1/cases/{case.public_id}/").status_code == 404
    assert api("technologist").get(f"/api/v1/cases/{case.public_id}/").status_code == 200


def test_anonymous_callers_are_refused(api, case):
    assert api(None).get("/api/v1/cases/").status_code == 401
    assert (
        api(None).post(f"/api/v1/cases/{case.public_id}/images/", {"file": jpeg()}).status_code
        == 401
    )


def test_a_user_without_a_lab_is_refused(db):
    from tests.factories import UserFactory

    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.get("/api/v1/cases/").status_code == 403


@pytest.mark.parametrize("persona", MEMBERS)
def test_an_upload_is_accepted_and_queued(persona, api, case, django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.classify_image, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            response = api(persona).post(
                f"/api/v1/cases/{case.public_id}/images/",
                {"file": jpeg(), "consent_retain": "true"},
            )
    assert response.status_code == 202
    image = CellImage.objects.get()
    assert response.json() == {"id": str(image.public_id), "status": "queued"}
    delay.assert_called_once_with(image.pk)
    assert image.consent_retain


def test_a_bad_file_is_a_400_with_its_reason(api, case, media_root):
    response = api("technologist").post(
        f"/api/v1/cases/{case.public_id}/images/", {"file": jpeg("x.jpg", b"#!/bin/sh\nrm -rf /\n")}
    )
    assert response.status_code == 400
    assert response.json() == {"file": ["only JPEG, PNG, TIFF and BMP images are accepted"]}
    assert not CellImage.objects.exists() and files_under(media_root) == []


def test_a_file_already_in_the_case_is_a_400_and_nothing_is_stored(
    api, case, store_image, media_root
):
    first = store_image(case, content=fixture_jpeg(), name="first.jpg")
    response = api("technologist").post(
        f"/api/v1/cases/{case.public_id}/images/", {"file": jpeg("again.jpg", fixture_jpeg())}
    )
    assert response.status_code == 400
    assert response.json() == {"file": ["this file is already in the case (as first.jpg)"]}
    assert list(CellImage.objects.all()) == [first]
    assert files_under(media_root) == [first.path]


def test_a_missing_file_is_a_400(api, case):
    response = api("technologist").post(f"/api/v1/cases/{case.public_id}/images/", {})
    assert response.status_code == 400
    assert "file" in response.json()


def test_another_lab_cannot_upload(api, case, media_root):
    response = api("outsider").post(f"/api/v1/cases/{case.public_id}/images/", {"file": jpeg()})
    assert response.status_code == 404
    assert files_under(media_root) == []


def test_an_image_reports_its_prediction(api, case, store_image, fake_model, model_version):
    image = store_image(case)
    client = api("pathologist")
    queued = client.get(f"/api/v1/images/{image.public_id}/").json()
    assert (queued["status"], queued["prediction"], queued["error"]) == ("queued", None, "")

    tasks.classify_image(image.pk)

    body = client.get(f"/api/v1/images/{image.public_id}/").json()
    assert body["status"] == "done"
    assert body["prediction"]["label"] == "lymphocyte"
    assert body["prediction"]["confidence"] == pytest.approx(0.9)
    assert set(body["prediction"]["probabilities"]) == {"lymphocyte", "neutrophil", "platelet"}
    assert body["prediction"]["model_version"] == model_version.name
    assert body["prediction"]["unidentified"] is False


def test_a_single_cell_status_poll_reads_the_image_in_one_query(api, case, store_image):
    image = store_image(case)
    client = api("technologist")
    client.get(f"/api/v1/images/{image.public_id}/")  # the token's last use is written once

    with CaptureQueriesContext(connection) as queries:
        body = client.get(f"/api/v1/images/{image.public_id}/").json()

    assert body["cells"] == []
    image_queries = [q["sql"] for q in queries if '"classifier_cellimage"' in q["sql"]]
    assert len(image_queries) == 1, image_queries


def test_a_failed_image_reports_its_error(api, case, store_image, fake_model, model_version):
    image = store_image(case)
    image.path.write_bytes(b"broken")
    tasks.classify_image(image.pk)
    body = api("technologist").get(f"/api/v1/images/{image.public_id}/").json()
    assert (body["status"], body["error"]) == ("failed", "the image could not be decoded")


def test_another_labs_image_is_a_404(api, case, store_image):
    image = store_image(case)
    assert api("outsider").get(f"/api/v1/images/{image.public_id}/").status_code == 404


def test_session_authentication_works_too(client, technologist, case):
    client.force_login(technologist)
    assert (
        client.get(reverse("classifier_api:case_detail", args=[case.public_id])).status_code == 200
    )


def test_the_schema_generates_without_warnings_for_these_views(capsys):
    from drf_spectacular.generators import SchemaGenerator

    from classifier.api import urls

    generator = SchemaGenerator(patterns=urls.urlpatterns)
    schema = generator.get_schema(request=None, public=True)
    captured = capsys.readouterr()
    assert "Warning" not in captured.err + captured.out
    assert "/cases/{id}/images/" in schema["paths"]
    upload = schema["paths"]["/cases/{id}/images/"]["post"]
    assert "202" in upload["responses"]
    assert "multipart/form-data" in upload["requestBody"]["content"]


def test_the_schema_endpoint_serves(client, technologist):
    client.force_login(technologist)
    assert client.get("/api/schema/").status_code == 200


def test_the_case_list_is_audited(api, case, technologist):
    api("technologist").get("/api/v1/cases/")

    event = AuditEvent.objects.get(action="cases_listed")
    assert (event.user, event.lab, event.details["view"]) == (technologist, case.lab, "api")
