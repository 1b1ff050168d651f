"""Nothing stuck, nothing lost, with real processes: a worker killed with SIGKILL mid-task, a
Redis stopped in the middle of a burst of uploads, and /healthz seeing both.

Each test runs real `celery worker` processes (tests/integration/worker.py) on the test
database; the Redis test starts a redis-server of its own on a free port, never the shared one.
"""

import time

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import ApiToken
from classifier.models import CellImage, WorkerHeartbeat
from tests.integration.model import fixture_images, fixture_labels
from tests.integration.worker import RedisServer, use_broker

pytestmark = pytest.mark.integration

BACK_WITHIN_SECONDS = 60  # after a worker is back, no image may stay running longer


def api_client(user) -> APIClient:
    client = APIClient()
    _token, secret = ApiToken.issue(user, "recovery test")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def new_case(client: APIClient, accession: str) -> str:
    response = client.post(
        "/api/v1/cases/", {"accession": accession, "patient_ref": "PSEUDO-1"}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def upload(client: APIClient, case_id: str, path) -> str:
    with open(path, "rb") as image_file:
        response = client.post(
            f"/api/v1/cases/{case_id}/images/", {"file": image_file}, format="multipart"
        )
    assert response.status_code == 202, response.content
    return response.json()["id"]


def wait_until(condition, timeout: float, what: str, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.02)
    log = f"\nworker log:\n{worker.log_tail()}" if worker else ""
    raise AssertionError(f"{what}: not within {timeout} s{log}")


def slow_image(path):
    """A 36-megapixel PNG (160 kB): about a second to decode and frame, so the test can catch
    the worker while it is working on it."""
    pixels = np.full((6000, 6000, 3), (230, 200, 210), np.uint8)
    rows, columns = np.ogrid[:6000, :6000]
    pixels[(rows - 3000) ** 2 + (columns - 3000) ** 2 < 800**2] = (120, 60, 160)
    pixels[::7, ::5] = (10, 20, 30)
    Image.fromarray(pixels).save(path)
    return path


def finished(public_ids: list[str]) -> bool:
    pending = CellImage.objects.filter(
        public_id__in=public_ids, status__in=CellImage.PENDING_STATUSES
    )
    return not pending.exists()


def test_an_image_whose_worker_was_killed_mid_task_is_finished_when_a_worker_is_back(
    celery_broker, active_model_version, make_celery_worker, technologist, tmp_path
):
    first = make_celery_worker(celery_broker, "first")
    client = api_client(technologist)
    image_id = upload(client, new_case(client, "KILL-1"), slow_image(tmp_path / "big.png"))
    running = wait_until(
        lambda: CellImage.objects.filter(public_id=image_id, status="running").first(),
        60,
        "the first worker claiming the image",
        first,
    )
    assert running.claimed_by.endswith(f":{first.process.pid}")

    first.kill()
    second = make_celery_worker(celery_broker, "second")
    back_at = time.monotonic()
    wait_until(lambda: finished([image_id]), BACK_WITHIN_SECONDS, "the image finishing", second)

    image = CellImage.objects.get(public_id=image_id)
    assert image.status == CellImage.Status.DONE, image.error
    assert time.monotonic() - back_at <= BACK_WITHIN_SECONDS
    assert image.claimed_by.endswith(f":{second.process.pid}")


@pytest.fixture
def private_broker(tmp_path):
    """A redis-server of this test's own as this process's broker (the test stops it)."""
    from hematoportal.celery import app

    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder).start()
    saved = use_broker(
        app, {"broker_url": server.url, "result_backend": server.url, "task_always_eager": False}
    )
    yield server
    server.stop()
    use_broker(app, saved)


def test_uploads_made_while_redis_is_down_are_classified_when_it_returns(
    private_broker, active_model_version, make_celery_worker, technologist
):
    worker = make_celery_worker(private_broker.url, "beat", beat=True)
    client = api_client(technologist)
    case_id = new_case(client, "REDIS-1")
    images = [fixture_images(label)[0] for label in fixture_labels()]
    before = [upload(client, case_id, path) for path in images[:3]]

    private_broker.stop()  # the worker is likely in the middle of one of `before`
    during = [upload(client, case_id, path) for path in images[3:6]]
    assert CellImage.objects.filter(public_id__in=during, unsent=True).count() == len(during)
    private_broker.start()
    after = [upload(client, case_id, path) for path in images[6:]]

    everything = before + during + after
    wait_until(lambda: finished(everything), 120, "every upload finishing", worker)
    statuses = CellImage.objects.filter(public_id__in=everything).values_list("status", flat=True)
    assert list(statuses) == [CellImage.Status.DONE] * len(everything)
    assert not CellImage.objects.filter(unsent=True).exists()


def test_healthz_follows_the_worker_and_the_broker(
    private_broker, active_model_version, make_celery_worker, client, settings
):
    settings.CELERY_BROKER_URL = private_broker.url
    url = reverse("classifier:healthz")
    assert client.get(url).status_code == 503  # no worker yet

    worker = make_celery_worker(private_broker.url, "health")
    wait_until(lambda: WorkerHeartbeat.live().exists(), 30, "a heartbeat", worker)
    response = client.get(url)
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["model"]["loaded_by"] == 1

    private_broker.stop()
    response = client.get(url)
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
    private_broker.start()

    worker.stop()  # a clean exit removes its heartbeat
    response = client.get(url)
    assert response.status_code == 503
    assert response.json()["checks"]["workers"] == {"ok": False, "live": 0}
