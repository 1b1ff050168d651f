"""Every upload through the cell finder (classifier/tasks.py classify_upload, classifier/fields.py):
a real smear field becomes a field with its white cells as child images, a typed page an image
without blood cells. The real shipped detector runs; the classifier is the fake one."""

import hashlib

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken
from audit.models import AuditEvent
from classifier import fields, inference, purge, tasks
from classifier.case_rows import case_differential
from classifier.models import CellImage
from review import services
from tests.classifier.conftest import FIELD_JPEG, TEXT_PAGE, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shipped_detector")]


def test_a_field_keeps_its_counts_and_cells_found_without_a_prediction(field):
    assert field.kind == CellImage.Kind.FIELD
    assert field.status == CellImage.Status.DONE
    assert not hasattr(field, "prediction")
    assert field.counts["wbc"] == 1 and field.counts["rbc"] >= 10
    assert len(field.detections) == sum(field.counts.values())
    assert {"kind", "box", "score"} == set(field.detections[0])


def test_each_white_cell_becomes_a_classified_child_sharing_the_fields_retention(field):
    [child] = field.cells.all()

    assert child.kind == CellImage.Kind.CELL and child.case == field.case
    assert child.prediction.label == "lymphocyte"
    assert child.status == CellImage.Status.DONE
    assert child.consent_retain and child.retain_until == field.retain_until
    assert child.image_format == "PNG" and child.path.is_file()
    assert hashlib.sha256(child.path.read_bytes()).hexdigest() == child.sha256
    wbc = next(cell for cell in field.detections if cell["kind"] == "wbc")
    assert child.box == wbc["box"]


def test_a_white_cell_the_classifier_calls_a_platelet_is_flagged_for_review(
    case, store_image, fake_model, model_version
):
    fake_model.label, fake_model.confidence = "platelet", 0.99
    image = store_image(case, content=FIELD_JPEG.read_bytes(), name="f.jpg")

    tasks.classify_image(image.pk)

    [child] = image.cells.all()
    assert child.prediction.label == "platelet" and child.prediction.unidentified


def test_a_single_cell_image_called_a_platelet_is_not_flagged(
    case, store_image, fake_model, model_version
):
    fake_model.label, fake_model.confidence = "platelet", 0.99
    image = store_image(case)  # the fixture JPEG: one centred cell

    tasks.classify_image(image.pk)

    image.refresh_from_db()
    assert image.kind == CellImage.Kind.CELL
    assert image.prediction.label == "platelet" and not image.prediction.unidentified


def test_a_redelivered_task_makes_no_second_set_of_children(field, media_root):
    files_before = sorted(media_root.rglob("*.png"))
    CellImage.objects.filter(pk=field.pk).update(status=CellImage.Status.QUEUED)

    assert tasks.classify_image(field.pk) == "done"

    assert field.cells.count() == 1
    assert sorted(media_root.rglob("*.png")) == files_before


def test_field_cells_returns_the_children_already_made(field, media_root):
    files_before = sorted(media_root.rglob("*"))
    _picture, route = inference.find_cells(field)

    children = fields.field_cells(field, route)

    assert children == list(field.cells.all())
    assert sorted(media_root.rglob("*")) == files_before


def test_the_differential_counts_a_fields_white_cells(field):
    differential = case_differential(field.case)

    assert differential.total == 1
    assert {row.label: row.count for row in differential.rows}["lymphocyte"] == 1


def test_a_typed_page_is_done_without_blood_cells_and_not_counted(
    case, store_image, fake_model, model_version
):
    image = store_image(case, content=TEXT_PAGE.read_bytes(), name="page.jpg")

    tasks.classify_image(image.pk)

    image.refresh_from_db()
    assert (image.kind, image.status, image.error) == ("none", "done", "no_cells")
    assert not hasattr(image, "prediction") and not image.cells.exists()
    assert case_differential(case).total == 0
    case.refresh_from_db()
    assert case.status == case.Status.AWAITING_REVIEW


def test_images_without_blood_cells_and_fields_do_not_block_sign_off(
    field, store_image, pathologist
):
    page = store_image(field.case, content=TEXT_PAGE.read_bytes(), name="page.jpg")
    tasks.classify_image(page.pk)
    [child] = field.cells.all()
    assert services.unreviewed_count(field.case) == 1

    services.review_image(child, pathologist, "lymphocyte")

    signed = services.sign_off(field.case, pathologist)
    assert signed.version == 1


def test_purging_a_field_deletes_its_childrens_files_audited(field):
    [child] = field.cells.all()
    child_path = child.path

    assert purge.purge_image_file(field.pk, reason="retention period ended")

    child.refresh_from_db()
    assert not child.has_file and not child_path.exists()
    assert child.prediction.label == "lymphocyte"  # the row and its result stay
    deleted = AuditEvent.objects.filter(action=AuditEvent.Action.IMAGE_DELETED)
    assert {event.object_id for event in deleted} >= {str(field.public_id), str(child.public_id)}


def test_deleting_a_field_deletes_its_children_and_their_files(field):
    [child] = field.cells.all()
    paths = [field.path, child.path]

    purge.delete_image(field.pk, reason="deleted by a user")

    assert not CellImage.objects.filter(pk__in=[field.pk, child.pk]).exists()
    assert not any(path.exists() for path in paths)


def test_a_duplicate_upload_is_judged_against_uploads_only(field, store_image):
    [child] = field.cells.all()

    again = store_image(field.case, content=child.path.read_bytes(), name="crop.png")

    assert again.field is None


def test_the_api_shows_a_fields_kind_counts_and_cells(field, technologist):
    [child] = field.cells.all()
    _token, secret = ApiToken.issue(technologist, "tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")

    image = client.get(f"/api/v1/images/{field.public_id}/").json()
    case = client.get(f"/api/v1/cases/{field.case.public_id}/").json()

    assert image["kind"] == "field" and image["prediction"] is None
    assert image["counts"] == field.counts
    [cell] = image["cells"]
    assert cell["id"] == str(child.public_id) and cell["box"] == child.box
    assert cell["prediction"]["label"] == "lymphocyte"
    assert [listed["id"] for listed in case["images"]] == [str(field.public_id)]
    assert case["differential"]["total"] == 1


def test_the_api_says_why_no_blood_cells_were_found(
    case, store_image, fake_model, model_version, technologist
):
    image = store_image(case, content=TEXT_PAGE.read_bytes(), name="page.jpg")
    tasks.classify_image(image.pk)
    _token, secret = ApiToken.issue(technologist, "tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")

    data = client.get(f"/api/v1/images/{image.public_id}/").json()

    assert (data["kind"], data["prediction"], data["cells"]) == ("none", None, [])
    assert "stained blood smear" in data["error"]


def test_a_single_cell_image_is_classified_as_a_whole(case, store_image, fake_model, model_version):
    image = store_image(case, content=upload().read(), name="cell.jpg")

    tasks.classify_image(image.pk)

    image.refresh_from_db()
    assert image.kind == CellImage.Kind.CELL and image.prediction.label == "lymphocyte"
    assert not image.cells.exists()


def test_a_field_that_fails_for_good_fails_its_unclassified_cells_too(
    case, store_image, fake_model, model_version, monkeypatch
):
    image = store_image(case, consent_retain=True, content=FIELD_JPEG.read_bytes(), name="f.jpg")

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(inference, "classify_pictures", broken)

    assert tasks.classify_image(image.pk) == "failed"

    [child] = image.cells.all()
    assert child.status == CellImage.Status.FAILED and "boom" in child.error
    case.refresh_from_db()
    assert case.status == case.Status.AWAITING_REVIEW
