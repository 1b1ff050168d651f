from unittest import mock

import pytest
from celery import Celery
from kombu import Queue

from classifier import worker_process
from classifier.models import WorkerHeartbeat


def worker_app(*chosen: str) -> Celery:
    """A Celery app with the portal's queues, as a worker started with `-Q chosen` sees it."""
    app = Celery(set_as_current=False)
    app.conf.task_queues = [Queue(name) for name in ("classify", "explain", "celery", "train")]
    if chosen:
        app.amqp.queues.select(list(chosen))
    return app


@pytest.mark.parametrize(
    ("chosen", "classifies"),
    [((), True), (("classify", "celery"), True), (("explain",), False), (("train",), False)],
)
def test_a_worker_takes_classification_when_it_consumes_that_queue(chosen, classifies):
    assert worker_process.takes_classification(worker_app(*chosen)) is classifies


def test_a_heatmap_worker_beats_without_loading_the_classifier(db):
    with (
        mock.patch("celery.current_app", worker_app("explain")),
        mock.patch.object(worker_process, "preload_active_model") as preload,
        mock.patch("classifier.heartbeat._beat_forever"),
        mock.patch("classifier.heartbeat._started_in_pid", None),
    ):
        worker_process.start_worker_process()

    preload.assert_not_called()
    row = WorkerHeartbeat.objects.get()
    assert row.classifies is False
    assert row.model_version is None
