"""classifier.heartbeat: one row per worker process, refreshed, removed on a clean exit."""

import datetime

import pytest
from django.utils import timezone

from classifier import heartbeat
from classifier.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_the_first_beat_creates_the_row_and_the_next_refreshes_it(model_version):
    heartbeat.beat(model_version_id=model_version.pk)
    row = WorkerHeartbeat.objects.get(name=heartbeat.process_name())
    WorkerHeartbeat.objects.filter(pk=row.pk).update(
        beat_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    heartbeat.beat()

    row.refresh_from_db()
    assert WorkerHeartbeat.objects.count() == 1
    assert timezone.now() - row.beat_at < datetime.timedelta(seconds=5)
    assert row.model_version == model_version
    assert list(WorkerHeartbeat.live()) == [row]


def test_a_stale_row_is_not_live(db):
    WorkerHeartbeat.objects.create(
        name="host:1", beat_at=timezone.now() - WorkerHeartbeat.STALE_AFTER * 2
    )
    assert not WorkerHeartbeat.live().exists()


def test_stop_removes_the_row(db):
    heartbeat.beat()
    heartbeat.stop()
    assert not WorkerHeartbeat.objects.exists()


def test_the_process_name_is_host_and_pid():
    import os
    import socket

    assert heartbeat.process_name() == f"{socket.gethostname()}:{os.getpid()}"


def test_starting_again_in_a_reused_pid_takes_over_the_old_row(db):
    WorkerHeartbeat.objects.create(
        name=heartbeat.process_name(), beat_at=timezone.now() - datetime.timedelta(days=2)
    )
    heartbeat.beat(started=timezone.now())
    assert WorkerHeartbeat.live().count() == 1
