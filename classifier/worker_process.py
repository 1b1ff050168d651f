"""Celery worker lifecycle hooks (framework signals only): what a worker process does when it
starts and stops.

    worker_process_init      each process that runs tasks (prefork child, or the solo worker)
                             starts its heartbeat; one that takes classification tasks loads the
                             active model first
    worker_process_shutdown  a clean exit deletes its heartbeat, so its claims go back at once
    (and worker_shutdown)
    worker_ready             a worker that comes up sweeps for lost work now, and once more
                             when the heartbeats of processes killed just before have gone stale
"""

import logging
import threading

from celery import signals
from django.conf import settings
from django.db import DatabaseError

logger = logging.getLogger(__name__)


def preload_active_model() -> int | None:
    """Load the active version's classifier and the cell finder into this process; the
    version's id, or None on failure (the first task loads them then, or fails with the reason)."""
    from classifier import inference
    from classifier.models import ModelVersion

    try:
        version = ModelVersion.active()
        if version is None:
            return None
        inference.classifier_for(version)
        inference.detector()  # every upload goes through the cell finder first
    except Exception as error:  # a broken bundle or database: logged, and the worker starts anyway
        logger.warning("Active model not preloaded: %s", error)
        return None
    return version.pk


def takes_classification(app) -> bool:
    """Whether this worker consumes the "classify" queue (`-Q` names its queues; without it,
    a worker consumes every queue)."""
    queue = settings.CELERY_TASK_ROUTES["classifier.tasks.classify_image"]["queue"]
    chosen = app.amqp.queues.consume_from
    return not chosen or queue in chosen


@signals.worker_process_init.connect
def start_worker_process(**_kwargs) -> None:
    from celery import current_app

    from classifier import heartbeat

    classifies = takes_classification(current_app)
    model_version_id = preload_active_model() if classifies else None
    try:
        heartbeat.start(model_version_id, classifies=classifies)
    except DatabaseError as error:
        logger.warning("Worker heartbeat not started: %s", error)


@signals.worker_process_shutdown.connect  # a prefork child
@signals.worker_shutdown.connect  # the main process: the solo pool's only one
def stop_worker_process(**_kwargs) -> None:
    from classifier import heartbeat

    heartbeat.stop()


@signals.worker_ready.connect
def recover_when_ready(**_kwargs) -> None:
    from classifier.models import WorkerHeartbeat
    from classifier.tasks import recover_lost_work

    def sweep() -> None:
        try:
            recover_lost_work.delay()
        except Exception as error:  # the broker: the beat schedule sweeps anyway
            logger.warning("Recovery sweep not queued: %s", error)

    sweep()
    # A timer rather than a countdown task: a task waiting for its time is held unacknowledged,
    # and a worker holding one when Redis drops trips kombu (hematoportal/celery.py).
    stale = WorkerHeartbeat.STALE_AFTER.total_seconds() + 1
    timer = threading.Timer(stale, sweep)
    timer.daemon = True
    timer.start()
