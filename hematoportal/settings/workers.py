"""Celery and the work it runs: queues, the beat schedule, recovery of lost work and the limits
of a lab's model adaptation. Redis is broker, result backend and cache."""

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from hematoportal.settings.environment import env, yes_no

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

# A task claims its row before working, so
# late acknowledgement is safe and a killed worker loses no image.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
if CELERY_BROKER_URL.startswith("redis://"):
    # kombu's Redis transport, but a worker survives Redis going away mid-task (celery.py).
    CELERY_BROKER_TRANSPORT = "hematoportal.celery:RedisTransport"
CELERY_TASK_ACKS_LATE = True
# Nothing reads a task's return value (results live in the database). Storing them cost a Redis
# write per task, and with results on, a send first subscribes to the result store, which
# blocks an upload for about 20 s when Redis is down.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_ALWAYS_EAGER = yes_no("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_DEFAULT_QUEUE = "celery"
# A plain `celery -A hematoportal worker` consumes every queue; `-Q explain` runs a
# heatmap-only worker. Adaptations go to "train", which scripts/setup-and-run.sh gives a worker
# of its own with one process, so that classification never waits behind minutes of training.
CELERY_TASK_QUEUES = [Queue("classify"), Queue("explain"), Queue("celery"), Queue("train")]
CELERY_TASK_ROUTES = {
    "classifier.tasks.classify_image": {"queue": "classify"},
    "review.tasks.compute_heatmap": {"queue": "explain"},
    "review.tasks.compute_lime": {"queue": "explain"},
    "review.tasks.run_adaptation": {"queue": "train"},
}
# A lab may adapt its model once every class it has reviewed has this many reviewed cells.
ADAPTATION_MIN_CELLS_PER_CLASS = env.int("ADAPTATION_MIN_CELLS_PER_CLASS", default=10)
if ADAPTATION_MIN_CELLS_PER_CLASS < 2:
    raise ImproperlyConfigured("ADAPTATION_MIN_CELLS_PER_CLASS must be at least 2")
# An adaptation is refused when accuracy on the model's original test split drops by more than
# this (a share: 0.01 is one point).
ADAPTATION_MAX_TEST_DROP = env.float("ADAPTATION_MAX_TEST_DROP", default=0.01)
if not 0.0 <= ADAPTATION_MAX_TEST_DROP <= 1.0:
    raise ImproperlyConfigured("ADAPTATION_MAX_TEST_DROP must be between 0 and 1")
# The longest an adaptation may run (seconds) before the train worker ends it.
ADAPTATION_TIME_LIMIT = env.int("ADAPTATION_TIME_LIMIT", default=1800)
# Seconds between sweeps for lost work: with worker heartbeats stale after 20 s, an image whose
# worker was killed is back in the queue within about RECOVERY_INTERVAL + 20 s.
RECOVERY_INTERVAL = env.int("RECOVERY_INTERVAL", default=15)
if RECOVERY_INTERVAL < 1:
    raise ImproperlyConfigured("RECOVERY_INTERVAL must be at least 1 second")
CELERY_BEAT_SCHEDULE = {
    "purge-expired-images": {
        "task": "classifier.tasks.purge_expired_images",
        "schedule": crontab(minute="*/15"),
    },
    "requeue-stuck-images": {
        "task": "classifier.tasks.requeue_stuck_images",
        "schedule": crontab(minute="*/5"),
    },
    # Claims of dead worker processes and tasks the broker refused (classifier/recovery.py).
    "recover-lost-work": {
        "task": "classifier.tasks.recover_lost_work",
        "schedule": RECOVERY_INTERVAL,
        "options": {"expires": RECOVERY_INTERVAL},  # sweeps do not pile up while workers are away
    },
}
