"""What `/healthz` checks, for a load balancer: each check is cheap and says ok or why not.

    database  one SELECT 1
    broker    a PING to the Celery broker (Redis), with a one-second timeout
    workers   a process that classifies beat within WorkerHeartbeat.STALE_AFTER (one query)
    model     the active version's bundle is sound (bundle.json and the sha256 of model.tflite,
              checked once per file change), and how many of those processes loaded it at start
The reasons are short and generic (the endpoint needs no log-in); details go to the log.
"""

import logging
import os
import threading
from pathlib import Path

import redis
from django.conf import settings
from django.db import DatabaseError, connection

from classifier.models import ModelVersion, WorkerHeartbeat

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 1.0
_clients: dict[str, redis.Redis] = {}
_sound_bundles: set[tuple] = set()  # (directory, bundle.json and model.tflite mtimes and sizes)
_lock = threading.Lock()


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.warning("Health check: database: %s", error)
        return {"ok": False, "error": "unreachable"}
    return {"ok": True}


def _broker_client() -> redis.Redis:
    url = settings.CELERY_BROKER_URL
    with _lock:
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(
                url,
                socket_timeout=BROKER_TIMEOUT_SECONDS,
                socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
            )
        return _clients[url]


def check_broker() -> dict:
    try:
        _broker_client().ping()
    except (redis.RedisError, OSError) as error:
        logger.warning("Health check: broker: %s", error)
        return {"ok": False, "error": "unreachable"}
    return {"ok": True}


def check_workers() -> dict:
    try:
        live = WorkerHeartbeat.live_classifiers().count()
    except DatabaseError:
        return {"ok": False, "error": "unknown"}
    return {"ok": live > 0, "live": live}


def _bundle_key(bundle_dir: Path) -> tuple:
    stats = [os.stat(bundle_dir / name) for name in ("bundle.json", "model.tflite")]
    return (str(bundle_dir), *((s.st_mtime_ns, s.st_size) for s in stats))


def bundle_is_sound(bundle_dir: Path) -> bool:
    """bundle.json valid and model.tflite matching its sha256; hashed again only when either
    file changes."""
    from ml.serving import read_bundle_metadata

    key = _bundle_key(bundle_dir)
    if key in _sound_bundles:
        return True
    read_bundle_metadata(bundle_dir, verify_files=("model.tflite",))
    _sound_bundles.add(key)
    return True


def check_model() -> dict:
    try:
        version = ModelVersion.active()
    except DatabaseError:
        return {"ok": False, "error": "unknown"}
    if version is None:
        return {"ok": False, "error": "no active model"}
    try:
        bundle_is_sound(version.bundle_dir)
    except Exception as error:  # BundleError, OSError: a missing or damaged bundle
        logger.warning("Health check: model %s: %s", version, error)
        return {"ok": False, "version": version.name, "error": "bundle unusable"}
    loaded_by = WorkerHeartbeat.live_classifiers().filter(model_version=version).count()
    return {"ok": True, "version": version.name, "loaded_by": loaded_by}


def report() -> dict:
    """{"ok": bool, "checks": {name: {"ok": bool, ...}}}; the model and workers are checked only
    when the database answers."""
    checks = {"database": check_database(), "broker": check_broker()}
    if checks["database"]["ok"]:
        checks["workers"] = check_workers()
        checks["model"] = check_model()
    else:
        checks["workers"] = checks["model"] = {"ok": False, "error": "unknown"}
    return {"ok": all(check["ok"] for check in checks.values()), "checks": checks}
