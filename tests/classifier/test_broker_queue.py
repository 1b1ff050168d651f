"""classifier.broker_queue: the image ids of the classify tasks a Redis broker holds (a real
Redis: the test database of TEST_REDIS_URL, flushed)."""

import pytest
import redis

from classifier import broker_queue
from classifier.tasks import classify_image, purge_signed_case
from tests.integration.worker import redis_problem, redis_url_for_tests, use_broker

pytestmark = pytest.mark.integration


@pytest.fixture
def broker():
    """This process's Celery app on the test Redis database, emptied first."""
    from hematoportal.celery import app

    url = redis_url_for_tests()
    if problem := redis_problem(url):
        pytest.skip(problem)
    redis.Redis.from_url(url).flushdb()
    saved = use_broker(app, {"broker_url": url, "task_always_eager": False})
    yield app
    use_broker(app, saved)
    redis.Redis.from_url(url).flushdb()


def test_it_reads_the_image_ids_of_queued_classify_tasks(broker):
    classify_image.delay(11)
    classify_image.apply_async((12,), priority=6)
    purge_signed_case.delay(13)  # another task, another queue
    assert broker_queue.waiting_image_ids(broker) == {11, 12}


def test_it_reads_delivered_unacknowledged_tasks_too(broker):
    classify_image.delay(21)
    with broker.connection_for_read() as connection:
        channel = connection.default_channel
        message = channel.basic_get("classify", no_ack=False)
        assert message is not None
        assert broker_queue.waiting_image_ids(broker) == {21}


def test_it_says_none_when_the_broker_is_down():
    from hematoportal.celery import app

    saved = use_broker(
        app,
        {
            "broker_url": "redis://127.0.0.1:1/0",
            "broker_connection_retry": False,
            "broker_connection_max_retries": 0,
        },
    )
    try:
        assert broker_queue.waiting_image_ids(app) is None
    finally:
        use_broker(app, saved)


def test_it_ignores_messages_it_cannot_read():
    assert broker_queue._image_id(b"not json") is None
    assert broker_queue._image_id(b'{"headers": {"task": "other"}}') is None


def test_it_does_not_read_a_backlog_longer_than_its_limit(broker, monkeypatch):
    monkeypatch.setattr(broker_queue, "MAX_READ", 2)
    for image_id in (31, 32, 33):
        classify_image.delay(image_id)
    assert broker_queue.waiting_image_ids(broker) is None
