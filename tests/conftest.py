"""Shared test set-up: fast settings, media in a temporary folder, personas, the tiny bundle."""

import shutil

import pytest


@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# Personas (tests/personas.py): lab A with a technologist, a pathologist and a lab admin;
# "outsider" is a pathologist of lab B. Log one in with client.force_login(technologist).
@pytest.fixture
def lab_a(db):
    from tests import personas

    return personas.make_lab(personas.LAB_A)


@pytest.fixture
def lab_b(db):
    from tests import personas

    return personas.make_lab(personas.LAB_B)


@pytest.fixture
def technologist(lab_a):
    from tests import personas

    return personas.make_technologist()


@pytest.fixture
def pathologist(lab_a):
    from tests import personas

    return personas.make_pathologist()


@pytest.fixture
def lab_admin(lab_a):
    from tests import personas

    return personas.make_lab_admin()


@pytest.fixture
def outsider(lab_b):
    from tests import personas

    return personas.make_outsider()


@pytest.fixture(autouse=True)
def _default_language():
    # A request in another language (or a log-in with a saved language) activates it for the
    # thread; a template rendered by the next test must not inherit it.
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache(_fast_settings):
    # LocMemCache keeps its data per process, across tests: rate limits and used one-time
    # codes would leak from one test into the next.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# Integration and browser tests (tests/integration/worker.py): a real Celery worker in another
# process must see the test database, so when such a test is collected the SQLite test database
# is a file instead of living in memory. PostgreSQL is a server already.
_SHARED_DATABASE_MARKERS = ("integration", "browser")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, request, tmp_path_factory
):
    from django.conf import settings

    database = settings.DATABASES["default"]
    needs_file = any(
        item.get_closest_marker(marker)
        for item in request.session.items
        for marker in _SHARED_DATABASE_MARKERS
    )
    if needs_file and database["ENGINE"].endswith("sqlite3"):
        test_dir = tmp_path_factory.mktemp("database")
        database.setdefault("TEST", {})["NAME"] = str(test_dir / "test.sqlite3")


@pytest.fixture
def celery_broker():
    """The test Redis database as broker of this process's Celery app (flushed first)."""
    import os

    import redis

    from hematoportal.celery import app
    from tests.integration.worker import redis_problem, redis_url_for_tests, use_broker

    url = redis_url_for_tests()
    if problem := redis_problem(url):
        # scripts/test.sh starts Redis and sets this: there, a missing Redis is a failure.
        if os.environ.get("REQUIRE_TEST_SERVICES") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    redis.Redis.from_url(url).flushdb()  # no task left over from an earlier, interrupted run
    saved = use_broker(app, {"broker_url": url, "result_backend": url, "task_always_eager": False})
    yield url
    use_broker(app, saved)


def _live_worker(
    queues: str,
    broker_url: str,
    settings,
    tmp_path,
    *,
    extra_args: tuple[str, ...] = (),
    extra_environment: dict[str, str] | None = None,
    log_name: str = "",
):
    """A real `celery worker -Q <queues>` process on the test database and MEDIA_ROOT."""
    import os

    from django.db import connection

    from tests.integration.worker import CeleryWorker, database_url

    environment = {
        **os.environ,
        "ENV_FILE": "/dev/null",
        "DJANGO_SETTINGS_MODULE": "hematoportal.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "HEMATOVISION_DATA_DIR": str(tmp_path / "worker-data"),
        "REDIS_URL": broker_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEFAULT_MODEL_NAME": settings.DEFAULT_MODEL_NAME,
        **(extra_environment or {}),
    }
    log_path = tmp_path / f"worker-{log_name or queues.replace(',', '-')}.log"
    return CeleryWorker(
        queues=queues, environment=environment, log_path=log_path, extra_args=extra_args
    )


@pytest.fixture
def live_celery_worker(celery_broker, transactional_db, settings, tmp_path):
    """A real `celery worker -Q classify,celery` process on the test database and MEDIA_ROOT."""
    worker = _live_worker("classify,celery", celery_broker, settings, tmp_path)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def make_celery_worker(transactional_db, settings, tmp_path):
    """Start more real `-Q classify,celery` workers: make(broker_url, name, beat=False).

    With beat, the worker also runs the periodic tasks, the recovery sweep every 2 s.
    """
    workers = []

    def make(broker_url: str, name: str, beat: bool = False):
        extra_args = ("-B", "-s", str(tmp_path / f"beat-{name}")) if beat else ()
        worker = _live_worker(
            "classify,celery",
            broker_url,
            settings,
            tmp_path,
            extra_args=extra_args,
            extra_environment={"RECOVERY_INTERVAL": "2"},
            log_name=name,
        )
        workers.append(worker)
        return worker.start()

    yield make
    for worker in workers:
        worker.stop()


@pytest.fixture
def live_train_worker(celery_broker, transactional_db, settings, tmp_path):
    """A real `celery worker -Q train` process, as scripts/setup-and-run.sh starts one."""
    worker = _live_worker("train", celery_broker, settings, tmp_path)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def integration_bundle(request):
    """The model bundle the worker classifies with (tests/integration/model.py)."""
    from tests.integration.model import shipped_bundle

    return shipped_bundle() or request.getfixturevalue("tiny_bundle")


@pytest.fixture
def active_model_version(integration_bundle, transactional_db):
    from classifier import registry

    return registry.register_bundle(None, str(integration_bundle), activate=True)


# Tests that need a trained model share one tiny bundle (tests/tiny_bundle.py). It is trained once
# and then kept in pytest's cache, but a run may have to train it: such tests are `slow`, and
# `-m "not slow"` skips them.
_TRAINING_FIXTURES = ("tiny_bundle", "tiny_classifier")


def pytest_collection_modifyitems(items):
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in _TRAINING_FIXTURES):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def tiny_bundle(request, tmp_path_factory):
    """A session copy of the cached tiny bundle (tests may rewrite their copy, never the cache)."""
    from tests.tiny_bundle import cached_tiny_bundle

    # Without pytest's cache (-p no:cacheprovider) it is trained once for this session instead.
    cache = getattr(request.config, "cache", None)
    folder = cache.mkdir("tiny_bundle") if cache else tmp_path_factory.mktemp("tiny_bundle_cache")
    cached = cached_tiny_bundle(folder)
    copy = tmp_path_factory.mktemp("tiny_bundle") / "tiny"
    shutil.copytree(cached, copy)
    return copy
