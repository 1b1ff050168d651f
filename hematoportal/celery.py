"""The Celery app: configuration comes from Django settings (CELERY_ namespace)."""

import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from kombu.transport import redis as kombu_redis

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hematoportal.settings")
logger = logging.getLogger(__name__)


class RobustDjangoTask(DjangoTask):
    """A DjangoTask whose delay_on_commit logs instead of raising when the broker is down.

    The row it queues stays "queued" and the periodic requeue_stuck_images task sends it again,
    so an upload during a Redis outage is stored and answered normally rather than with a 500.
    """

    def delay_on_commit(self, *args, **kwargs) -> None:
        from django.db import transaction

        def send() -> None:
            self.delay(*args, **kwargs)

        send.__qualname__ = f"{self.name}.delay"  # Django names the callback when it logs
        transaction.on_commit(send, robust=True)


class _RedisQoS(kombu_redis.QoS):
    def restore_unacked(self, client=None):
        try:
            return super().restore_unacked(client)
        except AttributeError:
            # When Redis drops, kombu 5.7 releases the connection before it puts the worker's
            # unacknowledged messages back, and this raises: the worker would exit. Redis keeps
            # them and hands them out again after the visibility timeout; the images they stand
            # for are requeued sooner by classifier.recovery and requeue_stuck_images.
            logger.warning(
                "Broker gone: %d unacknowledged messages left to Redis", len(self._delivered)
            )
            self._delivered.clear()
            return None


class _RedisChannel(kombu_redis.Channel):
    QoS = _RedisQoS


class RedisTransport(kombu_redis.Transport):
    """kombu's Redis transport, with which a worker survives Redis going away mid-task."""

    Channel = _RedisChannel


app = Celery("hematoportal", task_cls=RobustDjangoTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
