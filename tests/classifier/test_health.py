"""/healthz: 200 when the database, the broker, a worker and the active model are all fine,
503 naming what is not; no log-in, nothing audited."""

import datetime
import shutil
from unittest import mock

import pytest
import redis
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from classifier import health
from classifier.models import WorkerHeartbeat
from ml.serving import resolve_bundle
from tests.factories import ModelVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sound_model(tmp_path):
    """An active version whose bundle is a copy of the shipped pbc8 (a real, sound bundle)."""
    bundle = tmp_path / "bundle"
    shutil.copytree(resolve_bundle("pbc8"), bundle)
    version = ModelVersionFactory(uploaded=False, bundle_path=str(bundle), is_active=True)
    return version, bundle


@pytest.fixture
def broker_up():
    with mock.patch.object(health, "_broker_client") as client:
        yield client


@pytest.fixture
def live_worker(sound_model):
    return WorkerHeartbeat.objects.create(name="host:1", model_version=sound_model[0])


def get_health(client):
    return client.get(reverse("classifier:healthz"))


def test_it_answers_200_when_everything_is_fine(client, sound_model, broker_up, live_worker):
    response = get_health(client)
    body = response.json()
    assert response.status_code == 200, body
    assert body["ok"] is True
    assert body["checks"]["workers"] == {"ok": True, "live": 1}
    assert body["checks"]["model"]["loaded_by"] == 1
    assert "no-cache" in response["Cache-Control"]
    assert not AuditEvent.objects.exists()


def test_it_answers_503_without_a_live_worker(client, sound_model, broker_up, live_worker):
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - datetime.timedelta(minutes=5))
    response = get_health(client)
    assert response.status_code == 503
    assert response.json()["checks"]["workers"] == {"ok": False, "live": 0}


def test_it_answers_503_when_the_broker_does_not_answer(client, sound_model, live_worker):
    with mock.patch.object(health, "_broker_client") as broker:
        broker.return_value.ping.side_effect = redis.ConnectionError("refused")
        response = get_health(client)
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {"ok": False, "error": "unreachable"}


def test_it_answers_503_when_the_database_fails(client, broker_up):
    with mock.patch.object(health.connection, "cursor", side_effect=DatabaseError("gone")):
        response = get_health(client)
    checks = response.json()["checks"]
    assert response.status_code == 503
    assert not checks["database"]["ok"] and not checks["workers"]["ok"]


def test_it_answers_503_without_an_active_model(client, broker_up):
    WorkerHeartbeat.objects.create(name="host:1")
    response = get_health(client)
    assert response.status_code == 503
    assert response.json()["checks"]["model"] == {"ok": False, "error": "no active model"}


def test_it_answers_503_when_the_active_models_file_is_damaged(
    client, sound_model, broker_up, live_worker
):
    _version, bundle = sound_model
    with open(bundle / "model.tflite", "ab") as model_file:
        model_file.write(b"tampered")
    response = get_health(client)
    assert response.status_code == 503
    assert response.json()["checks"]["model"]["error"] == "bundle unusable"


def test_the_bundle_is_hashed_once_until_it_changes(sound_model):
    _version, bundle = sound_model
    with mock.patch("ml.serving.read_bundle_metadata") as read:
        health.bundle_is_sound(bundle)
        health.bundle_is_sound(bundle)
    assert read.call_count == 1


def test_it_refuses_post(client):
    assert client.post(reverse("classifier:healthz")).status_code == 405


def test_the_broker_check_pings_the_configured_broker(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    assert health.check_broker() == {"ok": False, "error": "unreachable"}


def test_a_worker_that_does_not_classify_does_not_count(client, sound_model, broker_up):
    WorkerHeartbeat.objects.create(name="host:2", classifies=False)

    response = get_health(client)

    assert response.status_code == 503
    assert response.json()["checks"]["workers"] == {"ok": False, "live": 0}
