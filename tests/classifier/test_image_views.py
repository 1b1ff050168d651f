"""Image actions: batch upload (queued after commit), the protected file view, deletion."""

from unittest import mock

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from classifier import tasks
from classifier.models import Case, CellImage
from tests.classifier.conftest import files_under, fixture_jpeg, image_bytes, upload

pytestmark = pytest.mark.django_db
MEMBERS = ["technologist", "pathologist", "lab_admin"]


@pytest.fixture
def login(client, request):
    def as_(persona: str):
        client.force_login(request.getfixturevalue(persona))
        return client

    return as_


def post_upload(client, case, files, consent=False):
    data = {"files": files}
    if consent:
        data["consent_retain"] = "on"
    return client.post(reverse("classifier:image_upload", args=[case.public_id]), data)


@pytest.mark.parametrize("persona", MEMBERS)
def test_members_upload_and_each_image_is_queued_after_commit(
    persona, login, case, django_capture_on_commit_callbacks
):
    client = login(persona)
    with mock.patch.object(tasks.classify_image, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            response = post_upload(client, case, [upload("a.jpg"), upload("b.png", image_bytes())])
    images = list(CellImage.objects.order_by("id"))
    assert response.status_code == 302
    assert [call.args for call in delay.call_args_list] == [(images[0].pk,), (images[1].pk,)]
    assert [image.original_name for image in images] == ["a.jpg", "b.png"]
    assert all(not image.consent_retain for image in images)
    case.refresh_from_db()
    assert case.status == Case.Status.PROCESSING
    assert AuditEvent.objects.filter(action="image_uploaded").count() == 2


def test_consent_is_recorded_when_ticked(login, case):
    post_upload(login("technologist"), case, [upload()], consent=True)
    image = CellImage.objects.get()
    assert image.consent_retain and image.retain_until is not None


def test_a_refused_file_is_named_and_the_others_go_through(
    login, case, media_root, django_capture_on_commit_callbacks
):
    client = login("technologist")
    with (
        mock.patch.object(tasks.classify_image, "delay") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_upload(
            client,
            case,
            [
                upload("good.jpg"),
                upload("evil.jpg", b"MZ\x90\x00not really"),
                upload("empty.png", b""),
            ],
        )
    page = client.get(response["Location"]).content.decode()
    assert "evil.jpg was not accepted: only JPEG, PNG, TIFF and BMP images are accepted." in page
    assert "empty.png was not accepted: the file is empty." in page
    assert "1 image queued for classification." in page
    image = CellImage.objects.get()
    queued.assert_called_once_with(image.pk)
    assert files_under(media_root) == [image.path]


def test_a_file_already_in_the_case_is_refused_with_a_clear_message(login, case, media_root):
    client = login("technologist")
    with mock.patch.object(tasks.classify_image, "delay"):
        post_upload(client, case, [upload("first.jpg")])
        response = post_upload(client, case, [upload("again.jpg")])
    page = client.get(response["Location"]).content.decode()
    assert "again.jpg was not accepted: this file is already in the case (as first.jpg)." in page
    assert CellImage.objects.count() == 1 and len(files_under(media_root)) == 1


def test_an_upload_without_files_is_explained(login, case):
    client = login("technologist")
    response = client.post(reverse("classifier:image_upload", args=[case.public_id]), {})
    assert "Choose at least one image" in client.get(response["Location"]).content.decode()


def test_another_lab_cannot_upload(login, case, media_root):
    response = post_upload(login("outsider"), case, [upload()])
    assert response.status_code == 404
    assert not CellImage.objects.exists()
    assert files_under(media_root) == []


def test_upload_rejects_get(login, case):
    response = login("technologist").get(reverse("classifier:image_upload", args=[case.public_id]))
    assert response.status_code == 405


@pytest.mark.parametrize("persona", MEMBERS)
def test_members_view_a_stored_image(persona, login, case, store_image):
    image = store_image(case, consent_retain=True)
    response = login(persona).get(reverse("classifier:image_file", args=[image.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == fixture_jpeg()
    assert AuditEvent.objects.filter(action="image_viewed", object_id=str(image.public_id)).exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("pathologist", 200), ("lab_admin", 200), ("technologist", 404)]
)
def test_an_image_without_consent_is_for_the_labs_reviewers_only(
    persona, status, login, case, store_image
):
    image = store_image(case)
    response = login(persona).get(reverse("classifier:image_file", args=[image.public_id]))
    assert response.status_code == status


def test_another_lab_cannot_view_an_image(login, case, store_image):
    image = store_image(case, consent_retain=True)
    response = login("outsider").get(reverse("classifier:image_file", args=[image.public_id]))
    assert response.status_code == 404


def test_a_purged_image_is_gone(login, case, store_image):
    image = store_image(case)
    image.purge_file()
    response = login("technologist").get(reverse("classifier:image_file", args=[image.public_id]))
    assert response.status_code == 404


def test_media_is_not_served_by_url(client, login, case, store_image):
    image = store_image(case, consent_retain=True)
    response = login("technologist").get("/media-not-served/" + image.file.name)
    assert response.status_code == 404


def finished(image):
    CellImage.objects.filter(pk=image.pk).update(status=CellImage.Status.DONE)
    image.refresh_from_db()
    return image


@pytest.mark.parametrize(
    ("persona", "allowed"), [("technologist", True), ("lab_admin", True), ("pathologist", False)]
)
def test_the_uploader_or_the_lab_admin_deletes_an_image(persona, allowed, login, case, store_image):
    image = finished(store_image(case, consent_retain=True))  # uploaded by the technologist
    path = image.path
    response = login(persona).post(reverse("classifier:image_delete", args=[image.public_id]))
    if allowed:
        assert response.status_code == 302
        assert not CellImage.objects.filter(pk=image.pk).exists()
        assert not path.exists()
        assert AuditEvent.objects.filter(
            action="image_deleted", object_id=str(image.public_id)
        ).exists()
    else:
        assert response.status_code == 403
        assert path.exists()


def test_another_lab_cannot_delete(login, case, store_image):
    image = finished(store_image(case, consent_retain=True))
    response = login("outsider").post(reverse("classifier:image_delete", args=[image.public_id]))
    assert response.status_code == 404
    assert CellImage.objects.filter(pk=image.pk).exists()


def test_a_pending_image_is_not_deleted(login, case, store_image):
    image = store_image(case, consent_retain=True)
    login("technologist").post(reverse("classifier:image_delete", args=[image.public_id]))
    assert CellImage.objects.filter(pk=image.pk).exists()


def test_images_of_a_signed_case_are_not_deleted(login, case, store_image):
    image = finished(store_image(case, consent_retain=True))
    Case.objects.filter(pk=case.pk).update(status=Case.Status.SIGNED)
    response = login("lab_admin").post(reverse("classifier:image_delete", args=[image.public_id]))
    assert response.status_code == 403
