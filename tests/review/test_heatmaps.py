import io
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from audit.models import AuditEvent
from classifier.purge import purge_image_file
from review import heatmaps, tasks
from review.models import Heatmap
from tests.review.helpers import add_image


def fake_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def retained(case):
    return add_image(case, "monocyte", retained=True)


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.compute_heatmap, "delay_on_commit", calls.append)
    return calls


@pytest.fixture
def fake_gradcam(monkeypatch):
    monkeypatch.setattr(heatmaps, "render_overlay_png", lambda image: (fake_png(), "monocyte"))


def test_asking_queues_the_task_once(client, retained, pathologist, queued):
    client.force_login(pathologist)
    url = reverse("review:heatmap", args=[retained.public_id])

    first = client.post(url, HTTP_ACCEPT="application/json")
    second = client.post(url, HTTP_ACCEPT="application/json")

    assert first.json()["status"] == second.json()["status"] == "queued"
    assert queued == [retained.pk]


def test_it_is_not_possible_without_the_image_file(client, case, pathologist, queued):
    client.force_login(pathologist)
    image = case.images.first()  # not retained
    response = client.post(reverse("review:heatmap", args=[image.public_id]))
    assert response.status_code == 404
    assert queued == []


def test_only_pathologists_of_the_lab_may_ask(client, retained, technologist, outsider, queued):
    url = reverse("review:heatmap", args=[retained.public_id])
    client.force_login(technologist)
    assert client.post(url).status_code == 403
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    assert queued == []


def test_the_task_stores_the_png_under_media_root(retained, queued, fake_gradcam, settings):
    heatmaps.request_heatmap(retained)

    assert tasks.compute_heatmap(retained.pk) == Heatmap.Status.DONE

    heatmap = Heatmap.objects.get(image=retained)
    assert heatmap.label == "monocyte"
    assert heatmap.file.startswith("heatmaps/")
    assert heatmap.path.read_bytes() == fake_png()
    assert str(heatmap.path).startswith(str(settings.MEDIA_ROOT))


def test_the_task_is_safe_to_run_twice(retained, queued, fake_gradcam):
    heatmaps.request_heatmap(retained)
    tasks.compute_heatmap(retained.pk)
    path = Heatmap.objects.get().path

    assert tasks.compute_heatmap(retained.pk) == "skipped"
    assert Heatmap.objects.get().path == path


def test_a_failure_is_stored_and_can_be_asked_again(retained, queued, monkeypatch):
    def broken(image):
        raise ValueError("no keras model")

    monkeypatch.setattr(heatmaps, "render_overlay_png", broken)
    heatmaps.request_heatmap(retained)

    assert tasks.compute_heatmap(retained.pk) == Heatmap.Status.FAILED
    assert "no keras model" in Heatmap.objects.get().error
    heatmaps.request_heatmap(retained)
    assert Heatmap.objects.get().status == Heatmap.Status.QUEUED
    assert queued == [retained.pk, retained.pk]


def test_the_png_is_served_while_the_image_is_retained(
    client, retained, pathologist, queued, fake_gradcam
):
    heatmaps.request_heatmap(retained)
    tasks.compute_heatmap(retained.pk)
    client.force_login(pathologist)

    state = client.get(reverse("review:heatmap", args=[retained.public_id])).json()
    response = client.get(state["url"])

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == fake_png()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.IMAGE_VIEWED, details__view="heatmap"
    ).exists()


def test_the_heatmap_goes_with_the_image_file(client, retained, pathologist, queued, fake_gradcam):
    heatmaps.request_heatmap(retained)
    tasks.compute_heatmap(retained.pk)
    path = Heatmap.objects.get().path
    purge_image_file(retained.pk, reason="retention period ended")
    client.force_login(pathologist)

    response = client.get(reverse("review:heatmap_png", args=[retained.public_id]))

    assert response.status_code == 404
    assert not Heatmap.objects.exists()
    assert not path.exists()


def test_purge_for_image_deletes_row_and_file(retained, queued, fake_gradcam):
    heatmaps.request_heatmap(retained)
    tasks.compute_heatmap(retained.pk)
    path = Heatmap.objects.get().path

    assert heatmaps.purge_for_image(retained) is True

    assert not path.exists()
    assert not Heatmap.objects.exists()
    assert heatmaps.purge_for_image(retained) is False


def test_a_heatmap_finished_after_the_purge_is_thrown_away(
    retained, queued, fake_gradcam, settings
):
    heatmaps.request_heatmap(retained)
    heatmap = heatmaps.claim_heatmap(retained.pk)
    purge_image_file(retained.pk, reason="retention period ended")

    heatmaps.store_png(heatmap, fake_png(), "monocyte")

    assert not Heatmap.objects.exists()
    assert list((Path(settings.MEDIA_ROOT) / "heatmaps").glob("*")) == []


def test_the_retention_purge_deletes_the_heatmap_too(retained, queued, fake_gradcam):
    heatmaps.request_heatmap(retained)
    tasks.compute_heatmap(retained.pk)
    path = Heatmap.objects.get().path

    purge_image_file(retained.pk, reason="retention period ended")

    assert not path.exists()
    assert not Heatmap.objects.exists()
