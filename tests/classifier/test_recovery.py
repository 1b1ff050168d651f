"""classifier.recovery and tasks.recover_lost_work: claims of dead worker processes and tasks
the broker refused are sent again; live claims and finished images are left alone."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from classifier import broker_queue, classification, heartbeat, recovery, tasks
from classifier.models import CellImage, WorkerHeartbeat

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.timedelta(minutes=5)


@pytest.fixture(autouse=True)
def empty_broker(monkeypatch):
    """The broker holds no classify task unless a test says otherwise."""
    waiting: set[int] = set()
    monkeypatch.setattr(broker_queue, "waiting_image_ids", lambda app: waiting)
    return waiting


def claim(image, process: str, age: datetime.timedelta = LONG_AGO):
    CellImage.objects.filter(pk=image.pk).update(
        status=CellImage.Status.RUNNING, claimed_by=process, claimed_at=timezone.now() - age
    )


def beat(process: str, age: datetime.timedelta = datetime.timedelta(0)):
    WorkerHeartbeat.objects.create(name=process, beat_at=timezone.now() - age)


def test_a_claim_of_a_process_that_stopped_beating_is_released(case, store_image):
    dead, alive = store_image(case), store_image(case)
    beat("host:1", age=WorkerHeartbeat.STALE_AFTER * 2)
    beat("host:2")
    claim(dead, "host:1")
    claim(alive, "host:2")

    assert recovery.release_abandoned_claims() == [dead.pk]

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, dead.claimed_by, dead.claimed_at) == (CellImage.Status.QUEUED, "", None)
    assert alive.status == CellImage.Status.RUNNING


def test_a_claim_of_a_process_with_no_heartbeat_at_all_is_released(case, store_image):
    image = store_image(case)
    claim(image, "gone:99")
    assert recovery.release_abandoned_claims() == [image.pk]


def test_a_fresh_claim_is_left_alone_even_before_its_first_beat(case, store_image):
    image = store_image(case)
    claim(image, "new:7", age=datetime.timedelta(seconds=1))
    assert recovery.release_abandoned_claims() == []


def test_finished_images_are_never_released(case, store_image):
    image = store_image(case)
    CellImage.objects.filter(pk=image.pk).update(
        status=CellImage.Status.DONE, claimed_by="gone:1", claimed_at=timezone.now() - LONG_AGO
    )
    assert recovery.release_abandoned_claims() == []


def test_a_refused_send_marks_the_image_unsent(case, store_image):
    image = store_image(case)
    with mock.patch.object(tasks.classify_image, "delay", side_effect=OperationalError("down")):
        assert tasks.queue_classification(image.pk) is False
    image.refresh_from_db()
    assert image.unsent and image.status == CellImage.Status.QUEUED


def test_a_successful_send_leaves_no_mark(case, store_image):
    image = store_image(case)
    with mock.patch.object(tasks.classify_image, "delay") as delay:
        assert tasks.queue_classification(image.pk) is True
    delay.assert_called_once_with(image.pk)
    image.refresh_from_db()
    assert not image.unsent


def test_recover_lost_work_sends_abandoned_and_unsent_images_once(case, store_image):
    abandoned, unsent, waiting = store_image(case), store_image(case), store_image(case)
    claim(abandoned, "gone:1")
    CellImage.objects.filter(pk=unsent.pk).update(unsent=True)

    with mock.patch.object(tasks.classify_image, "delay") as delay:
        assert tasks.recover_lost_work() == 2
        assert tasks.recover_lost_work() == 0

    assert sorted(call.args[0] for call in delay.call_args_list) == [abandoned.pk, unsent.pk]
    assert not CellImage.objects.filter(unsent=True).exists()
    assert waiting.pk not in [call.args[0] for call in delay.call_args_list]


def test_an_image_still_refused_by_the_broker_keeps_its_mark(case, store_image):
    image = store_image(case)
    CellImage.objects.filter(pk=image.pk).update(unsent=True)
    with mock.patch.object(tasks.classify_image, "delay", side_effect=OperationalError("down")):
        assert tasks.recover_lost_work() == 0
    image.refresh_from_db()
    assert image.unsent


def test_a_recovered_image_is_classified_by_its_new_task(
    case, store_image, fake_model, model_version
):
    image = store_image(case)
    claim(image, "gone:1")
    with mock.patch.object(tasks.classify_image, "delay", side_effect=tasks.classify_image):
        tasks.recover_lost_work()
    image.refresh_from_db()
    assert image.status == CellImage.Status.DONE


def test_a_claim_records_the_process_that_made_it(case, store_image, fake_model, model_version):
    image = store_image(case)
    claimed = classification.claim_image(image.pk)
    assert claimed.claimed_by == heartbeat.process_name()
    classification.release_claim(claimed)
    claimed.refresh_from_db()
    assert claimed.claimed_by == "" and claimed.status == CellImage.Status.QUEUED


def test_heartbeats_of_processes_gone_for_a_day_are_forgotten(db):
    beat("old:1", age=WorkerHeartbeat.FORGET_AFTER * 2)
    beat("new:2")
    assert recovery.forget_old_heartbeats() == 1
    assert list(WorkerHeartbeat.objects.values_list("name", flat=True)) == ["new:2"]


def test_a_queued_image_the_broker_lost_is_sent_again_once(case, store_image, empty_broker):
    lost, waiting, fresh = store_image(case), store_image(case), store_image(case)
    old = timezone.now() - recovery.LOST_AFTER * 2
    CellImage.objects.filter(pk__in=[lost.pk, waiting.pk]).update(updated=old)
    empty_broker.add(waiting.pk)

    with mock.patch.object(tasks.classify_image, "delay") as delay:
        assert tasks.recover_lost_work() == 1
        assert tasks.recover_lost_work() == 0  # not again until LOST_AFTER has passed

    delay.assert_called_once_with(lost.pk)
    assert fresh.pk not in [call.args[0] for call in delay.call_args_list]


def test_nothing_is_taken_for_lost_when_the_broker_cannot_be_read(case, store_image, monkeypatch):
    image = store_image(case)
    CellImage.objects.filter(pk=image.pk).update(updated=timezone.now() - LONG_AGO)
    monkeypatch.setattr(broker_queue, "waiting_image_ids", lambda app: None)
    with mock.patch.object(tasks.classify_image, "delay") as delay:
        assert tasks.recover_lost_work() == 0
    delay.assert_not_called()
