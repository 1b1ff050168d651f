"""A real Celery worker in a subprocess, for the integration and browser tests.

The worker is another process, so it must share what the test process uses: the broker (a Redis
database of its own, flushed before each start), the test database (a file or a server, never
in-memory) and MEDIA_ROOT. The fixtures that use this live in tests/conftest.py.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import redis

REPO_DIR = Path(__file__).resolve().parents[2]
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"
READY_TIMEOUT_SECONDS = 120


def redis_url_for_tests() -> str:
    """The Redis database the tests may flush (scripts/test.sh starts that Redis)."""
    return os.environ.get("TEST_REDIS_URL", DEFAULT_TEST_REDIS_URL)


def redis_problem(url: str) -> str | None:
    """Why Redis at url cannot be used, or None if it answers."""
    try:
        redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis at {url} cannot be reached ({error}); scripts/test.sh starts one"
    return None


def database_url(settings_dict: dict) -> str:
    """DATABASE_URL for the worker, naming the database the test process is using now."""
    engine, name = settings_dict["ENGINE"], str(settings_dict["NAME"])
    if engine.endswith("sqlite3"):
        if name == ":memory:" or name.startswith("file:memorydb"):
            raise RuntimeError("A worker process cannot see an in-memory SQLite test database.")
        return f"sqlite:///{Path(name).resolve()}"
    if engine.endswith("postgresql"):
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{credentials}{host}:{port}/{quote(name, safe='')}"
    raise RuntimeError(f"No worker database URL for {engine}")


def use_broker(app, settings: dict) -> dict:
    """Point this process's Celery app at another broker (settings: broker_url,
    result_backend, task_always_eager); returns the settings it replaced.

    The pooled connections and the producer pool are dropped too: the producer pool stays bound
    to the broker it was first made for, so sends would otherwise still go there.
    """
    saved = {key: app.conf[key] for key in settings}
    app.conf.update(settings)
    app.close()
    app.amqp._producer_pool = None
    return saved


class CeleryWorker:
    """`celery -A hematoportal worker` as a subprocess, its output in a log file."""

    def __init__(
        self,
        *,
        queues: str,
        environment: dict[str, str],
        log_path: Path,
        extra_args: tuple[str, ...] = (),
    ):
        self.queues = queues
        self.environment = environment
        self.log_path = log_path
        self.extra_args = extra_args
        self.process: subprocess.Popen | None = None

    def start(self) -> "CeleryWorker":
        command = [
            sys.executable, "-m", "celery", "-A", "hematoportal", "worker",
            "-Q", self.queues, "-P", "solo", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"test-{uuid.uuid4().hex[:8]}@%h", *self.extra_args,
        ]  # fmt: skip
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO_DIR, env=self.environment, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The Celery worker exited at start:\n{self.log_tail()}")
            if " ready." in self.log_path.read_text(errors="replace"):
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"The Celery worker was not ready in time:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # warm shutdown: the current task finishes
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-task, acknowledging nothing and cleaning nothing up."""
        self.process.kill()
        self.process.wait(timeout=10)


class RedisServer:
    """A redis-server of a test's own on a free port, which the test may stop and restart.

    Its data is kept in an append-only file, as a production Redis keeps its queue across a
    restart; the shared test Redis is never restarted.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "always",
            "--save", "", "--daemonize", "no",
        ]  # fmt: skip
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 (closed with the process)
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while redis_problem(self.url) and time.monotonic() < deadline:
            time.sleep(0.1)
        if redis_problem(self.url):
            raise RuntimeError(f"redis-server did not start on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis flushes its append-only file and exits
            self.process.wait(timeout=20)


def free_port(start: int = 6390, stop: int = 6490) -> int:
    import socket

    for port in range(start, stop):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port for a test Redis")
