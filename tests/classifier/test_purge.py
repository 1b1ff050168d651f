"""classifier.purge: an image's file and the files made from it go together, and are audited."""

import datetime
from pathlib import Path

import pytest
from django.contrib.admin.sites import site
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.utils import timezone

from audit.models import AuditEvent
from classifier import purge, tasks
from classifier.models import Case, CellImage, Prediction
from review.models import Feedback, Heatmap, Review
from tests.factories import CellImageFactory, PredictionFactory, UserFactory

pytestmark = pytest.mark.django_db


def stored_file(media_root: Path, relative: str, content: bytes = b"pixels") -> str:
    path = media_root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return relative


@pytest.fixture
def media_root(settings) -> Path:
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def image(media_root, case) -> CellImage:
    """A classified, retained image with a finished heatmap."""
    image = CellImageFactory(
        case=case, file=stored_file(media_root, "images/test/cell.jpg"), consent_retain=True
    )
    PredictionFactory(image=image)
    Heatmap.objects.create(
        image=image,
        status=Heatmap.Status.DONE,
        label="neutrophil",
        file=stored_file(media_root, "heatmaps/cell.png"),
    )
    return image


def deletions(image: CellImage) -> list[dict]:
    events = AuditEvent.objects.filter(
        action=AuditEvent.Action.IMAGE_DELETED, object_id=str(image.public_id)
    )
    return [event.details for event in events]


def test_the_heatmap_is_a_model_derived_from_images():
    assert Heatmap in purge.derived_models()


def test_purging_deletes_the_file_and_the_heatmap_and_keeps_the_row(image, media_root):
    assert purge.purge_image_file(image.pk, reason="retention period ended") is True

    image.refresh_from_db()
    assert image.file == "" and image.file_purged_at is not None
    assert image.prediction.label == "neutrophil"  # the row keeps what it knew
    assert not (media_root / "images/test/cell.jpg").exists()
    assert not (media_root / "heatmaps/cell.png").exists()
    assert not Heatmap.objects.exists()
    assert deletions(image) == [{"reason": "retention period ended", "derived_files": ["heatmaps"]}]


def test_purging_writes_the_lab_into_the_audit_row(image, lab_a):
    purge.purge_image_file(image.pk, reason="not retained")

    assert AuditEvent.objects.get(action=AuditEvent.Action.IMAGE_DELETED).lab == lab_a


def test_purging_twice_changes_nothing_and_audits_once(image):
    purge.purge_image_file(image.pk, reason="retention period ended")

    assert purge.purge_image_file(image.pk, reason="retention period ended") is False

    assert len(deletions(image)) == 1


def test_purging_a_missing_image_is_harmless(db):
    assert purge.purge_image_file(123456, reason="retention period ended") is False
    assert not AuditEvent.objects.exists()


def test_an_image_without_a_heatmap_is_purged_too(case, media_root):
    image = CellImageFactory(case=case, file=stored_file(media_root, "images/test/plain.jpg"))

    assert purge.purge_image_file(image.pk, reason="not retained") is True

    assert not (media_root / "images/test/plain.jpg").exists()


def test_deleting_removes_the_row_prediction_file_and_heatmap(image, media_root, technologist):
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.7")
    request.user = technologist

    deleted = purge.delete_image(image.pk, reason="deleted by a user", request=request)

    assert deleted.original_name == image.original_name
    assert not CellImage.objects.filter(pk=image.pk).exists()
    assert not Prediction.objects.exists() and not Heatmap.objects.exists()
    assert not (media_root / "images/test/cell.jpg").exists()
    assert not (media_root / "heatmaps/cell.png").exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMAGE_DELETED)
    assert event.details == {
        "reason": "deleted by a user",
        "sha256": image.sha256,
        "derived_files": ["heatmaps"],
    }
    assert (event.user, event.client_address) == (technologist, "192.0.2.7")


def test_a_reviewed_image_is_not_deleted_and_keeps_its_files(image, media_root):
    Review.objects.create(image=image, label="neutrophil", predicted_label="neutrophil")

    with pytest.raises(ProtectedError):
        purge.delete_image(image.pk, reason="deleted by a user")

    assert CellImage.objects.filter(pk=image.pk).exists()
    assert Heatmap.objects.filter(image=image).exists()  # rolled back with the refusal
    assert (media_root / "images/test/cell.jpg").exists()
    assert (media_root / "heatmaps/cell.png").exists()
    assert deletions(image) == []


def test_the_admin_deletes_images_through_the_purge(image, media_root):
    request = RequestFactory().post("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)

    site._registry[CellImage].delete_queryset(request, CellImage.objects.filter(pk=image.pk))

    assert not CellImage.objects.exists() and not Heatmap.objects.exists()
    assert not (media_root / "heatmaps/cell.png").exists()
    assert deletions(image) == [
        {"reason": "deleted in the admin", "sha256": image.sha256, "derived_files": ["heatmaps"]}
    ]


def test_the_admin_deletes_a_case_with_its_image_files(image, media_root, case):
    request = RequestFactory().post("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)

    site._registry[Case].delete_model(request, case)

    assert not Case.objects.exists() and not CellImage.objects.exists()
    assert not (media_root / "images/test/cell.jpg").exists()
    assert not (media_root / "heatmaps/cell.png").exists()
    assert deletions(image)[0]["reason"] == "case deleted in the admin"


def correct(image: CellImage, copy: str) -> Feedback:
    """A correction of `image` whose consented copy is `copy` (relative to MEDIA_ROOT)."""
    return Feedback.objects.create(
        image=image,
        lab=image.case.lab,
        sha256=image.sha256,
        model_version=image.prediction.model_version,
        predicted_label="neutrophil",
        corrected_label="monocyte",
        consent=True,
        file=copy,
    )


def test_a_correction_is_a_model_derived_from_images():
    assert Feedback in purge.derived_models()


def test_the_retention_purge_deletes_a_corrections_copy_and_keeps_the_correction(image, media_root):
    feedback = correct(image, stored_file(media_root, "feedback/cell.jpg"))
    image.status = CellImage.Status.DONE
    image.retain_until = timezone.now() - datetime.timedelta(minutes=1)
    image.save(update_fields=["status", "retain_until"])

    assert tasks.purge_expired_images() == 1

    feedback.refresh_from_db()
    assert feedback.file == "" and feedback.path is None
    assert (feedback.sha256, feedback.corrected_label) == (image.sha256, "monocyte")
    assert not (media_root / "feedback/cell.jpg").exists()
    assert deletions(image) == [
        {"reason": "retention period ended", "derived_files": ["feedback", "heatmaps"]}
    ]


def test_the_sign_off_purge_deletes_a_corrections_copy(case, media_root):
    image = CellImageFactory(case=case, file=stored_file(media_root, "images/test/unsigned.jpg"))
    PredictionFactory(image=image)
    feedback = correct(image, stored_file(media_root, "feedback/unsigned.jpg"))
    Case.objects.filter(pk=case.pk).update(status=Case.Status.SIGNED)

    assert tasks.purge_signed_case(case.pk) == 1

    feedback.refresh_from_db()
    assert feedback.file == ""
    assert not (media_root / "feedback/unsigned.jpg").exists()
    assert deletions(image)[0]["derived_files"] == ["feedback"]


def test_a_copy_shared_by_an_identical_image_stays_until_that_ones_purge(image, case, media_root):
    twin = CellImageFactory(
        case=case, file=stored_file(media_root, "images/test/twin.jpg"), sha256=image.sha256
    )
    PredictionFactory(image=twin)
    copy = stored_file(media_root, "feedback/shared.jpg")
    correct(image, copy)
    twin_feedback = correct(twin, copy)

    purge.purge_image_file(image.pk, reason="retention period ended")

    assert (media_root / copy).exists()
    purge.purge_image_file(twin.pk, reason="retention period ended")
    twin_feedback.refresh_from_db()
    assert twin_feedback.file == "" and not (media_root / copy).exists()


def test_purging_without_a_copy_keeps_the_correction_unchanged(image):
    feedback = correct(image, "")

    purge.purge_image_file(image.pk, reason="retention period ended")

    assert Feedback.objects.get(pk=feedback.pk).corrected_label == "monocyte"
    assert deletions(image)[0]["derived_files"] == ["heatmaps"]
