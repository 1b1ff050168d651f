import pytest

from audit.models import AuditEvent
from classifier.models import Case, CellImage
from review import services
from review.models import SignOff
from tests.factories import CaseFactory, CellImageFactory
from tests.review.helpers import add_image


def _review_all(case, user):
    for image in case.images.all():
        services.review_image(image, user, image.prediction.label)


def test_it_refuses_while_images_are_unreviewed(case, pathologist):
    services.review_image(case.images.first(), pathologist, "neutrophil")

    with pytest.raises(services.UnreviewedImagesError) as refused:
        services.sign_off(case, pathologist)

    assert refused.value.unreviewed == 3
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_REVIEW
    assert not SignOff.objects.exists()


def test_it_refuses_while_images_are_being_classified(case, pathologist):
    _review_all(case, pathologist)
    CellImageFactory(case=case, original_name="late.jpg", status=CellImage.Status.QUEUED)
    with pytest.raises(services.CaseNotReadyError):
        services.sign_off(case, pathologist)


def test_it_refuses_a_case_without_classified_images(lab_a, pathologist, model_version):
    case = CaseFactory(lab=lab_a, accession="EMPTY")
    with pytest.raises(services.CaseNotReadyError):
        services.sign_off(case, pathologist)


def test_it_signs_a_fully_reviewed_case_and_locks_it(case, pathologist):
    _review_all(case, pathologist)

    signed = services.sign_off(case, pathologist)

    case.refresh_from_db()
    assert case.status == Case.Status.SIGNED
    assert signed.version == 1
    assert signed.signed_by == pathologist
    assert signed.signed_at is not None
    assert signed.snapshot["signed_by"]["email"] == pathologist.email
    assert signed.snapshot["differential"]["total"] == 4
    assert {item["final"] for item in signed.snapshot["images"]} == {"neutrophil", "lymphocyte"}


def test_it_does_not_sign_an_already_signed_case_again(case, pathologist):
    _review_all(case, pathologist)
    first = services.sign_off(case, pathologist)

    again = services.sign_off(case, pathologist)

    assert again == first
    assert SignOff.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_OFF).count() == 1


def test_it_records_an_audit_event(case, pathologist):
    _review_all(case, pathologist)
    services.sign_off(case, pathologist)
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_OFF)
    assert event.object_id == str(case.public_id)
    assert event.user == pathologist
    assert event.details == {"version": 1}


def test_failed_images_do_not_block_sign_off(case, pathologist):
    _review_all(case, pathologist)
    image = add_image(case, "platelet")
    image.prediction.delete()
    CellImage.objects.filter(pk=image.pk).update(status=CellImage.Status.FAILED)

    services.sign_off(case, pathologist)

    case.refresh_from_db()
    assert case.is_signed


def test_it_keeps_the_pathologists_comment_and_signer_title(case, pathologist):
    pathologist.full_name, pathologist.professional_title = "Ada Byron", "Consultant haematologist"
    pathologist.save()
    _review_all(case, pathologist)

    signed = services.sign_off(case, pathologist, comment="  Reactive lymphocytes.  ")

    signed.refresh_from_db()
    assert signed.comment == "Reactive lymphocytes."
    assert signed.snapshot["comment"] == "Reactive lymphocytes."
    assert signed.signer_name == "Ada Byron"
    assert signed.signer_signature == "Ada Byron, Consultant haematologist"
    assert signed.snapshot["reference_intervals"]["neutrophil"] == [40.0, 75.0]
    assert "platelet" not in signed.snapshot["reference_intervals"]


def test_an_amendment_carries_the_comment_over(case, pathologist):
    _review_all(case, pathologist)
    services.sign_off(case, pathologist, comment="Left shift.")
    image = case.images.first()

    amendment = services.amend(case, pathologist, {str(image.public_id): "monocyte"}, "Recount")

    assert amendment.sign_off.comment == "Left shift."


def test_it_queues_the_purge_of_unconsented_files_once_committed(
    lab_a, pathologist, model_version, monkeypatch, django_capture_on_commit_callbacks
):
    from classifier import tasks

    case = CaseFactory(lab=lab_a, accession="PURGE-1", status=Case.Status.AWAITING_REVIEW)
    add_image(case, "neutrophil")
    _review_all(case, pathologist)
    queued = []
    monkeypatch.setattr(tasks.purge_signed_case, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off(case, pathologist)

    assert queued == [case.pk]


def test_signing_twice_queues_the_purge_once(
    case, pathologist, monkeypatch, django_capture_on_commit_callbacks
):
    from classifier import tasks

    _review_all(case, pathologist)
    queued = []
    monkeypatch.setattr(tasks.purge_signed_case, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off(case, pathologist)
        services.sign_off(case, pathologist)
    assert queued == [case.pk]


def test_the_queued_purge_deletes_every_file_of_the_signed_case(case, pathologist, settings):
    from pathlib import Path

    from classifier import tasks
    from review.models import Heatmap

    image = add_image(case, "neutrophil", retained=False)
    name = "images/test/kept-for-review.jpg"
    (Path(settings.MEDIA_ROOT) / "images/test").mkdir(parents=True, exist_ok=True)
    (Path(settings.MEDIA_ROOT) / name).write_bytes(b"jpeg")
    CellImage.objects.filter(pk=image.pk).update(file=name)
    heatmap_path = Path(settings.MEDIA_ROOT) / Heatmap.files_dir / "h.png"
    heatmap_path.parent.mkdir(parents=True, exist_ok=True)
    heatmap_path.write_bytes(b"png")
    Heatmap.objects.create(
        image=image, status=Heatmap.Status.DONE, file=f"{Heatmap.files_dir}/h.png"
    )
    _review_all(case, pathologist)
    services.sign_off(case, pathologist)

    assert tasks.purge_signed_case(case.pk) == 1

    assert not (Path(settings.MEDIA_ROOT) / name).exists()
    assert not heatmap_path.exists()
    assert not Heatmap.objects.filter(image=image).exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.IMAGE_DELETED, details__reason="case signed off, not retained"
    ).exists()


def test_it_refuses_while_an_image_is_unidentified(case, pathologist):
    unsure = add_image(case, "neutrophil", confidence=0.3)  # below the 0.5 threshold
    for image in case.images.exclude(pk=unsure.pk):
        services.review_image(image, pathologist, image.prediction.label)

    with pytest.raises(services.UnidentifiedImagesError) as refused:
        services.sign_off(case, pathologist)

    assert refused.value.unidentified == 1
    assert "unidentified" in str(refused.value)
    services.review_image(unsure, pathologist, "monocyte")
    assert services.sign_off(case, pathologist).version == 1
