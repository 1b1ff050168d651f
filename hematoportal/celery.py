"""The Celery app: configuration comes from Django settings (CELERY_ namespace)."""

import os

from celery import Celery
from celery.contrib.django.task import DjangoTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hematoportal.settings")


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


app = Celery("hematoportal", task_cls=RobustDjangoTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
