"""This worker process's heartbeat: its WorkerHeartbeat row, refreshed by a daemon thread.

A thread rather than a Celery timer, so the row stays fresh while the process is busy in a
long model call (the interpreter releases the GIL) and whichever pool runs the tasks.
"""

import logging
import os
import socket
import threading
import time

from django.db import DatabaseError, IntegrityError, close_old_connections
from django.utils import timezone

from classifier.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

_started_in_pid: int | None = None
_start_lock = threading.Lock()


def process_name() -> str:
    """ "host:pid": what a claim records and a heartbeat row is named after."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def beat(**fields) -> None:
    """Refresh this process's row (one UPDATE; an INSERT the first time)."""
    now = timezone.now()
    name = process_name()
    if WorkerHeartbeat.objects.filter(name=name).update(beat_at=now, **fields):
        return
    fields = {"started": now, **fields}
    try:
        WorkerHeartbeat.objects.create(name=name, beat_at=now, **fields)
    except IntegrityError:  # a row left by an earlier process with the same pid
        WorkerHeartbeat.objects.filter(name=name).update(beat_at=now, **fields)


def _beat_forever() -> None:
    while True:
        time.sleep(WorkerHeartbeat.INTERVAL.total_seconds())
        try:
            close_old_connections()  # drop a connection the database closed under us
            beat()
        except DatabaseError as error:
            logger.warning("Worker heartbeat not written: %s", error)


def start(model_version_id: int | None = None, classifies: bool = True) -> None:
    """Write the first beat now and keep beating from a daemon thread; once per process (a
    forked child starts its own: threads do not survive fork)."""
    global _started_in_pid
    with _start_lock:
        if _started_in_pid == os.getpid():
            return
        _started_in_pid = os.getpid()
    beat(started=timezone.now(), model_version_id=model_version_id, classifies=classifies)
    threading.Thread(target=_beat_forever, name="worker-heartbeat", daemon=True).start()


def stop() -> None:
    """A clean exit: delete this process's row, so its claims (if any) are requeued at once."""
    try:
        WorkerHeartbeat.objects.filter(name=process_name()).delete()
    except DatabaseError as error:
        logger.warning("Worker heartbeat not removed: %s", error)
