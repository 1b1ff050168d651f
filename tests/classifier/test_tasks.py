"""classifier.tasks: classify_image (claim, predict, store, retry, fail), purge_signed_case and
purge_expired_images. Tasks are called directly, as functions."""

import datetime
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone

from audit.models import AuditEvent
from classifier import classification, inference, tasks
from classifier.models import Case, CellImage, ModelVersion, Prediction
from tests.classifier.conftest import files_under

pytestmark = pytest.mark.django_db


def test_it_classifies_and_keeps_the_file_without_consent_for_the_review(
    case, store_image, fake_model, model_version
):
    image = store_image(case)
    path = image.path

    assert tasks.classify_image(image.pk) == "done"

    image.refresh_from_db()
    assert image.status == CellImage.Status.DONE
    assert image.prediction.label == "lymphocyte"
    assert image.prediction.confidence == pytest.approx(0.9)
    # How the image looked is kept for the domain check; the image itself is not.
    assert image.prediction.appearance == {"background_brightness": 215.0, "stained_share": 0.1}
    assert sum(image.prediction.probabilities.values()) == pytest.approx(1.0)
    assert image.prediction.model_version == model_version
    assert image.prediction.unidentified is False
    # Kept until the case is signed off (purge_signed_case), so that the pathologist sees it.
    assert path.is_file() and image.file_purged_at is None


def test_it_keeps_the_file_with_consent(case, store_image, fake_model, model_version):
    image = store_image(case, consent_retain=True)
    tasks.classify_image(image.pk)
    image.refresh_from_db()
    assert image.status == CellImage.Status.DONE
    assert image.path.is_file()


def test_a_low_confidence_is_flagged_unidentified(case, store_image, fake_model, model_version):
    fake_model.confidence = 0.4  # below the version's threshold of 0.5
    image = store_image(case)
    tasks.classify_image(image.pk)
    assert Prediction.objects.get(image=image).unidentified is True


def test_the_case_awaits_review_when_every_image_is_finished(
    case, store_image, fake_model, model_version
):
    first, second = store_image(case), store_image(case)
    tasks.classify_image(first.pk)
    case.refresh_from_db()
    assert case.status == Case.Status.PROCESSING
    tasks.classify_image(second.pk)
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_REVIEW


def test_running_it_twice_changes_nothing(case, store_image, fake_model, model_version):
    image = store_image(case, consent_retain=True)
    tasks.classify_image(image.pk)
    image.refresh_from_db()
    before = (image.status, image.updated, image.attempts, image.prediction.pk)

    assert tasks.classify_image(image.pk) == "skipped"

    image.refresh_from_db()
    assert (image.status, image.updated, image.attempts, image.prediction.pk) == before
    assert Prediction.objects.count() == 1
    assert len(fake_model.loads) == 1


def test_it_skips_a_row_that_is_gone(db):
    assert tasks.classify_image(123456) == "skipped"


def test_it_does_not_claim_a_row_another_worker_holds(case, store_image, fake_model, model_version):
    image = store_image(case)
    CellImage.objects.filter(pk=image.pk).update(
        status=CellImage.Status.RUNNING, claimed_at=timezone.now()
    )
    assert tasks.classify_image(image.pk) == "skipped"
    assert not Prediction.objects.exists()


def test_it_takes_over_a_claim_older_than_the_time_limit(
    case, store_image, fake_model, model_version, settings
):
    image = store_image(case)
    stale = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 5)
    CellImage.objects.filter(pk=image.pk).update(status=CellImage.Status.RUNNING, claimed_at=stale)
    assert tasks.classify_image(image.pk) == "done"


def test_an_image_that_keeps_killing_workers_ends_up_failed(
    case, store_image, fake_model, model_version, settings
):
    image = store_image(case)
    stale = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 5)
    CellImage.objects.filter(pk=image.pk).update(
        status=CellImage.Status.RUNNING, claimed_at=stale, attempts=classification.MAX_ATTEMPTS
    )
    assert tasks.classify_image(image.pk) == "skipped"
    image.refresh_from_db()
    assert image.status == CellImage.Status.FAILED
    assert "interrupted" in image.error


def test_an_undecodable_file_fails_with_its_reason(
    case, store_image, fake_model, model_version, media_root
):
    image = store_image(case)
    image.path.write_bytes(b"garbage now")

    assert tasks.classify_image(image.pk) == "failed"

    image.refresh_from_db()
    assert image.status == CellImage.Status.FAILED
    assert image.error == "the image could not be decoded"
    assert files_under(media_root) == []  # deleted: no consent
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_REVIEW
    assert tasks.classify_image(image.pk) == "skipped"  # failed is final


def test_a_missing_file_fails_with_its_reason(case, store_image, fake_model, model_version):
    image = store_image(case, consent_retain=True)
    image.path.unlink()
    tasks.classify_image(image.pk)
    image.refresh_from_db()
    assert (image.status, image.error) == (CellImage.Status.FAILED, "the image file is missing")


def test_an_unexpected_error_fails_the_row_instead_of_looping(
    case, store_image, fake_model, model_version
):
    image = store_image(case)
    with mock.patch.object(inference, "classify_pictures", side_effect=ZeroDivisionError("boom")):
        assert tasks.classify_image(image.pk) == "failed"
    image.refresh_from_db()
    assert image.status == CellImage.Status.FAILED
    assert "ZeroDivisionError: boom" in image.error


def test_a_transient_error_releases_the_claim_for_the_retry(
    case, store_image, fake_model, model_version
):
    image = store_image(case)
    with mock.patch.object(
        inference, "classify_pictures", side_effect=OperationalError("database is locked")
    ):
        # Called directly, Celery's retry re-raises the error instead of queueing a retry.
        with pytest.raises(OperationalError):
            tasks.classify_image(image.pk)
    image.refresh_from_db()
    assert image.status == CellImage.Status.QUEUED


def test_a_transient_error_is_retried_then_given_up_with_a_reason(
    case, store_image, fake_model, model_version
):
    image = store_image(case)
    ModelVersion.objects.update(is_active=False)  # none active: transient, an admin may fix it

    result = tasks.classify_image.apply(args=[image.pk])

    image.refresh_from_db()
    assert result.get() == "failed"
    assert image.status == CellImage.Status.FAILED
    assert image.error.startswith(f"gave up after {tasks.MAX_RETRIES + 1} attempts")
    assert image.attempts == tasks.MAX_RETRIES + 1


def test_a_transient_error_can_recover_on_retry(case, store_image, fake_model, model_version):
    image = store_image(case)
    real_classify = inference.classify
    answers = [OperationalError("database is locked")]

    def flaky(image):
        if answers:
            raise answers.pop()
        return real_classify(image)

    with mock.patch.object(inference, "classify", side_effect=flaky):
        result = tasks.classify_image.apply(args=[image.pk])
    assert result.get() == "done"
    image.refresh_from_db()
    assert image.status == CellImage.Status.DONE


def test_it_writes_the_prediction_to_the_audit_trail(case, store_image, fake_model, model_version):
    image = store_image(case)
    tasks.classify_image(image.pk)
    actions = list(
        AuditEvent.objects.filter(object_id=str(image.public_id)).values_list("action", flat=True)
    )
    assert actions.count(AuditEvent.Action.PREDICTION) == 1
    assert actions.count(AuditEvent.Action.IMAGE_DELETED) == 0


def test_a_failed_image_without_consent_is_deleted_at_once(case, store_image, model_version):
    image = store_image(case)
    classification.fail_image(image, "the image could not be decoded")
    image.refresh_from_db()
    assert image.status == CellImage.Status.FAILED and image.file == ""


def sign(case):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.SIGNED)


def test_purge_signed_case_deletes_the_files_kept_only_for_the_review(
    case, store_image, fake_model, model_version
):
    unconsented, consented = store_image(case), store_image(case, consent_retain=True)
    tasks.classify_image(unconsented.pk)
    tasks.classify_image(consented.pk)
    sign(case)

    assert tasks.purge_signed_case(case.pk) == 1

    path = unconsented.path
    unconsented.refresh_from_db()
    assert unconsented.file == "" and not path.exists()
    assert consented.path.is_file()
    assert (
        AuditEvent.objects.get(
            action=AuditEvent.Action.IMAGE_DELETED, object_id=str(unconsented.public_id)
        ).details["reason"]
        == "case signed off, not retained"
    )
    assert tasks.purge_signed_case(case.pk) == 0  # harmless to repeat


def test_purge_signed_case_leaves_an_unsigned_case_alone(
    case, store_image, fake_model, model_version
):
    image = store_image(case)
    tasks.classify_image(image.pk)
    assert tasks.purge_signed_case(case.pk) == 0
    assert image.path.is_file()


def test_purge_deletes_retained_files_once_their_time_is_up(
    case, store_image, fake_model, model_version
):
    kept, expired = store_image(case, consent_retain=True), store_image(case, consent_retain=True)
    tasks.classify_image(kept.pk)
    tasks.classify_image(expired.pk)
    CellImage.objects.filter(pk=expired.pk).update(
        retain_until=timezone.now() - datetime.timedelta(minutes=1)
    )

    assert tasks.purge_expired_images() == 1

    kept.refresh_from_db()
    expired.refresh_from_db()
    assert kept.path.is_file()
    assert expired.file == "" and expired.status == CellImage.Status.DONE
    assert expired.prediction.label == "lymphocyte"
    assert tasks.purge_expired_images() == 0  # harmless to repeat
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.IMAGE_DELETED, details__reason="retention period ended"
        ).count()
        == 1
    )


def test_purge_leaves_pending_images_alone(case, store_image):
    image = store_image(case, consent_retain=True)
    CellImage.objects.filter(pk=image.pk).update(
        retain_until=timezone.now() - datetime.timedelta(days=1)
    )
    assert tasks.purge_expired_images() == 0
    assert image.path.is_file()


def test_purge_keeps_unconsented_files_of_an_unsigned_case_within_the_labs_limit(case, store_image):
    image = store_image(case)
    CellImage.objects.filter(pk=image.pk).update(status=CellImage.Status.DONE)
    assert tasks.purge_expired_images() == 0
    assert image.path.is_file()


def test_purge_deletes_unconsented_files_of_a_case_unsigned_past_the_labs_limit(case, store_image):
    image = store_image(case)
    CellImage.objects.filter(pk=image.pk).update(
        status=CellImage.Status.DONE, retain_until=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert tasks.purge_expired_images() == 1
    assert not image.path.exists()
    assert AuditEvent.objects.get(action=AuditEvent.Action.IMAGE_DELETED).details["reason"] == (
        "not signed off in time, not retained"
    )


def test_purge_catches_unconsented_files_of_a_signed_case(case, store_image):
    image = store_image(case)
    CellImage.objects.filter(pk=image.pk).update(status=CellImage.Status.DONE)
    sign(case)
    assert tasks.purge_expired_images() == 1
    assert not image.path.exists()


def test_purge_catches_unconsented_files_without_a_deadline(case, store_image):
    # Uploaded before unconsented files had one: they went once classified then.
    image = store_image(case)
    CellImage.objects.filter(pk=image.pk).update(status=CellImage.Status.DONE, retain_until=None)
    assert tasks.purge_expired_images() == 1
    assert not image.path.exists()


def age_row(image, minutes: int, **fields):
    when = timezone.now() - datetime.timedelta(minutes=minutes)
    CellImage.objects.filter(pk=image.pk).update(updated=when, **fields)


def test_requeue_sends_images_whose_message_seems_lost(case, store_image, settings):
    lost, fresh, done = store_image(case), store_image(case), store_image(case)
    age_row(lost, 30)
    age_row(done, 30, status=CellImage.Status.DONE)
    crashed = store_image(case)
    stale = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    age_row(crashed, 30, status=CellImage.Status.RUNNING, claimed_at=stale)

    with mock.patch.object(tasks.classify_image, "delay") as delay:
        assert tasks.requeue_stuck_images() == 2
        assert sorted(call.args[0] for call in delay.call_args_list) == [lost.pk, crashed.pk]
        assert tasks.requeue_stuck_images() == 0  # not again until STUCK_AFTER has passed
    assert fresh.pk not in [call.args[0] for call in delay.call_args_list]


def test_a_requeued_crashed_image_is_finished_by_its_new_task(
    case, store_image, fake_model, model_version, settings
):
    image = store_image(case)
    stale = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    age_row(image, 30, status=CellImage.Status.RUNNING, claimed_at=stale)
    with mock.patch.object(tasks.classify_image, "delay", side_effect=tasks.classify_image):
        tasks.requeue_stuck_images()
    image.refresh_from_db()
    assert image.status == CellImage.Status.DONE
