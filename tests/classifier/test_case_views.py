"""Case pages: list, new case, case page, status JSON; who may see what."""

import pytest
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEvent
from classifier import tasks
from classifier.models import Case
from tests.factories import CaseFactory, CellImageFactory

pytestmark = pytest.mark.django_db
MEMBERS = ["technologist", "pathologist", "lab_admin"]


@pytest.fixture
def login(client, request):
    def as_(persona: str):
        client.force_login(request.getfixturevalue(persona))
        return client

    return as_


@pytest.mark.parametrize("persona", MEMBERS)
def test_members_see_their_labs_cases_only(persona, login, case, other_case):
    response = login(persona).get(reverse("classifier:case_list"))
    assert response.status_code == 200
    assert case.accession.encode() in response.content
    assert other_case.accession.encode() not in response.content


def test_the_list_is_audited(login, case, technologist):
    login("technologist").get(reverse("classifier:case_list"))

    event = AuditEvent.objects.get(action="cases_listed")
    assert (event.user, event.lab, event.details["view"]) == (technologist, case.lab, "cases")


def test_the_list_filters_by_status(login, case, lab_a):
    CaseFactory(lab=lab_a, accession="DONE-1", status=Case.Status.AWAITING_REVIEW)
    response = login("technologist").get(
        reverse("classifier:case_list"), {"status": "awaiting_review"}
    )
    assert b"DONE-1" in response.content
    assert b"ACC-1" not in response.content


def test_anonymous_users_go_to_the_login_page(client, case):
    for url in [
        reverse("classifier:case_list"),
        reverse("classifier:case_detail", args=[case.public_id]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_users_without_a_lab_go_to_the_waiting_page(client, db, case):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("classifier:case_detail", args=[case.public_id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:waiting")


@pytest.mark.parametrize("persona", MEMBERS)
def test_members_create_cases(persona, login, lab_a):
    data = {
        "accession": " NEW-7 ",
        "patient_ref": "PSEUDO-42",
        "specimen": "bone_marrow",
        "priority": "stat",
    }
    response = login(persona).post(reverse("classifier:case_create"), data)
    case = Case.objects.get(accession="NEW-7")
    assert response.status_code == 302
    assert response["Location"] == reverse("classifier:case_detail", args=[case.public_id])
    assert (case.lab, case.status, case.priority) == (lab_a, Case.Status.DRAFT, "stat")
    assert case.created_by.membership.role == persona
    assert AuditEvent.objects.filter(action="case_created", object_id=str(case.public_id)).exists()


def test_a_duplicate_accession_is_refused_in_the_same_lab(login, case):
    data = {
        "accession": "ACC-1",
        "patient_ref": "P",
        "specimen": "peripheral_blood",
        "priority": "routine",
    }
    response = login("technologist").post(reverse("classifier:case_create"), data)
    assert response.status_code == 200
    assert b"already exists" in response.content
    assert Case.objects.filter(accession="ACC-1").count() == 1


def test_another_lab_may_reuse_an_accession(login, case):
    data = {
        "accession": "ACC-1",
        "patient_ref": "P",
        "specimen": "peripheral_blood",
        "priority": "routine",
    }
    login("outsider").post(reverse("classifier:case_create"), data)
    assert Case.objects.filter(accession="ACC-1").count() == 2


@pytest.mark.parametrize("persona", MEMBERS)
def test_members_open_the_case_page(persona, login, case):
    response = login(persona).get(reverse("classifier:case_detail", args=[case.public_id]))
    assert response.status_code == 200
    assert b'id="id_files"' in response.content
    assert b'name="consent_retain"' in response.content
    assert b"checked" not in response.content  # consent is off by default
    assert AuditEvent.objects.filter(action="case_viewed", object_id=str(case.public_id)).exists()


@pytest.mark.parametrize("name", ["case_detail", "case_status"])
def test_another_labs_case_is_not_found(name, login, case):
    response = login("outsider").get(reverse(f"classifier:{name}", args=[case.public_id]))
    assert response.status_code == 404


def test_a_signed_case_has_no_upload_form(login, case):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.SIGNED)
    response = login("technologist").get(reverse("classifier:case_detail", args=[case.public_id]))
    assert b'id="id_files"' not in response.content


def status_json(login, case, persona="pathologist") -> dict:
    return login(persona).get(reverse("classifier:case_status", args=[case.public_id])).json()


def test_the_status_json_keeps_upload_order_while_images_are_pending(
    login, case, store_image, fake_model, model_version
):
    confident, doubtful, waiting = store_image(case), store_image(case), store_image(case)
    tasks.classify_image(confident.pk)
    fake_model.confidence = 0.35
    tasks.classify_image(doubtful.pk)

    state = status_json(login, case)

    assert [image["id"] for image in state["images"]] == [
        str(confident.public_id),
        str(doubtful.public_id),
        str(waiting.public_id),
    ]
    first = state["images"][1]
    assert first["status"] == "done"
    assert first["prediction"]["unidentified"] is True
    assert first["prediction"]["label"] == "lymphocyte"
    assert len(first["prediction"]["top"]) == 3
    assert state["images"][2]["status"] == "queued"
    assert state["images"][2]["prediction"] is None
    assert state["pending"] == 1
    assert state["status"] == "processing"


def test_the_status_json_lists_images_low_confidence_first_once_settled(
    login, case, store_image, fake_model, model_version
):
    confident, doubtful = store_image(case), store_image(case)
    tasks.classify_image(confident.pk)
    fake_model.confidence = 0.35
    tasks.classify_image(doubtful.pk)

    state = status_json(login, case)

    assert [image["id"] for image in state["images"]] == [
        str(doubtful.public_id),
        str(confident.public_id),
    ]


def test_the_status_json_has_the_live_differential_and_what_is_pending(
    login, case, store_image, fake_model, model_version
):
    done, _waiting = store_image(case), store_image(case)
    tasks.classify_image(done.pk)

    state = status_json(login, case, "technologist")

    assert state["counts"] == {"total": 2, "done": 1, "pending": 1, "failed": 0}
    assert state["progress_text"] == "1 of 2 classified, 1 pending"
    differential = state["differential"]
    # Every class of the model, in its label order, however many cells each has.
    assert [row["label"] for row in differential["rows"]] == [*model_version.labels, "other"]
    assert differential["rows"][0] == {
        "label": "lymphocyte",
        "count": 1,
        "share": "100.0 %",
        "interval": "20.7–100.0\xa0%",  # Wilson, 1 of 1
    }
    assert differential["total"] == 1


def test_the_case_page_says_how_many_are_pending(
    login, case, store_image, fake_model, model_version
):
    done, _waiting = store_image(case), store_image(case)
    tasks.classify_image(done.pk)

    html = login("technologist").get(reverse("classifier:case_detail", args=[case.public_id]))

    assert "1 of 2 classified, 1 pending" in html.content.decode()


def test_the_case_page_shows_rows_with_their_status(
    login, case, store_image, fake_model, model_version
):
    fake_model.confidence = 0.2
    image = store_image(case)
    tasks.classify_image(image.pk)
    response = login("technologist").get(reverse("classifier:case_detail", args=[case.public_id]))
    html = response.content.decode()
    assert f'id="image-{image.public_id}"' in html
    assert 'data-status="done"' in html
    assert 'data-unidentified="true"' in html
    assert "Unidentified" in html


def test_the_upload_form_says_in_one_sentence_how_long_images_are_kept(login, case, lab_a):
    lab_a.unsigned_max_days, lab_a.retention_days = 10, 60
    lab_a.save()
    html = login("technologist").get(reverse("classifier:case_detail", args=[case.public_id]))
    assert (
        "Unticked, the images are kept only for the review, seen by the lab&#x27;s pathologists "
        "and admins, and deleted when the case is signed off (or after 10 days unsigned); "
        "ticked, they are kept for 60 days."
    ) in html.content.decode()


def test_the_case_page_names_the_model_version_beside_each_prediction(
    login, case, store_image, fake_model, model_version
):
    image = store_image(case)
    tasks.classify_image(image.pk)
    client = login("technologist")

    html = client.get(reverse("classifier:case_detail", args=[case.public_id])).content.decode()
    state = client.get(reverse("classifier:case_status", args=[case.public_id])).json()

    assert f'data-testid="image-model-version">model {model_version.name}<' in html
    assert state["images"][0]["prediction"]["model_version"] == model_version.name
    assert '<script src="/jsi18n/"></script>' in html  # case.js's words: the JS catalogue


def test_a_failure_reason_is_shown_in_the_reader_language(client, technologist, lab_a):
    case = CaseFactory(lab=lab_a)
    CellImageFactory(case=case, status="failed", error="the image could not be decoded")
    client.force_login(technologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    response = client.get(f"/cases/{case.public_id}/")

    assert "no se pudo decodificar la imagen" in response.content.decode()
