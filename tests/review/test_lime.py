"""LIME beside Grad-CAM on the review page: asked for like the heatmap, computed on the explain
queue with ml.explain.lime and the version's classifier (a fake one here), cached, gone with the
image."""

import numpy as np
import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from audit.models import AuditEvent
from classifier.purge import purge_image_file
from review import heatmaps, tasks
from review.models import LimeExplanation
from tests.review.helpers import LABELS, add_image


class FakeClassifier:
    """Says "monocyte" in proportion to how much of the centre is left unhidden."""

    image_size = 48
    resize_rule = "bilinear_stretch"

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        centre = batch[:, 16:32, 16:32].std(axis=(1, 2, 3))
        monocyte = np.clip(centre / (centre.max() + 1e-6), 0, 1)
        rest = (1 - monocyte)[:, np.newaxis] / (len(LABELS) - 1)
        probabilities = np.repeat(rest, len(LABELS), axis=1)
        probabilities[:, LABELS.index("monocyte")] = monocyte
        return probabilities


@pytest.fixture
def retained(case):
    return add_image(case, "monocyte", retained=True)


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.compute_lime, "delay_on_commit", calls.append)
    return calls


@pytest.fixture
def fake_classifier(monkeypatch):
    monkeypatch.setattr(heatmaps, "classifier_for", lambda version: FakeClassifier())


def test_the_task_is_routed_to_the_explain_queue():
    assert settings.CELERY_TASK_ROUTES["review.tasks.compute_lime"] == {"queue": "explain"}


def test_asking_queues_the_task_once(client, retained, pathologist, queued):
    client.force_login(pathologist)
    url = reverse("review:lime", args=[retained.public_id])

    first = client.post(url, HTTP_ACCEPT="application/json")
    second = client.post(url, HTTP_ACCEPT="application/json")

    assert url == f"/review/images/{retained.public_id}/lime/"
    assert first.json()["status"] == second.json()["status"] == "queued"
    assert queued == [retained.pk]


def test_only_pathologists_of_the_lab_may_ask(client, retained, technologist, outsider, queued):
    url = reverse("review:lime", args=[retained.public_id])
    client.force_login(technologist)
    assert client.post(url).status_code == 403
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    assert queued == []


def test_it_is_not_possible_without_the_image_file(client, case, pathologist, queued):
    client.force_login(pathologist)
    response = client.post(reverse("review:lime", args=[case.images.first().public_id]))
    assert response.status_code == 404
    assert queued == []


def test_the_task_draws_lime_on_the_image_and_stores_the_png(retained, queued, fake_classifier):
    heatmaps.request_lime(retained)

    assert tasks.compute_lime(retained.pk) == LimeExplanation.Status.DONE

    lime = LimeExplanation.objects.get(image=retained)
    assert lime.label == "monocyte"
    assert lime.file.startswith("lime/")
    with Image.open(lime.path) as picture, Image.open(retained.path) as original:
        assert picture.format == "PNG"
        assert picture.size == original.size
    assert tasks.compute_lime(retained.pk) == "skipped"  # done: cached, not computed again


def test_a_failure_is_stored_and_can_be_asked_again(retained, queued, monkeypatch):
    def broken(version):
        raise RuntimeError("no model file")

    monkeypatch.setattr(heatmaps, "classifier_for", broken)
    heatmaps.request_lime(retained)

    assert tasks.compute_lime(retained.pk) == LimeExplanation.Status.FAILED
    assert "no model file" in LimeExplanation.objects.get(image=retained).error
    heatmaps.request_lime(retained)
    assert LimeExplanation.objects.get(image=retained).status == LimeExplanation.Status.QUEUED
    assert queued == [retained.pk, retained.pk]


def test_the_png_is_served_and_the_view_audited(
    client, retained, pathologist, queued, fake_classifier
):
    heatmaps.request_lime(retained)
    tasks.compute_lime(retained.pk)
    client.force_login(pathologist)

    state = client.get(reverse("review:lime", args=[retained.public_id])).json()
    response = client.get(state["url"])

    assert state["status"] == "done"
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMAGE_VIEWED)
    assert event.details == {"view": "lime"}


def test_the_review_page_offers_lime_beside_gradcam(client, case, retained, pathologist):
    client.force_login(pathologist)
    url = reverse("review:image", args=[case.public_id, retained.public_id])

    content = client.get(url).content.decode()

    assert 'data-testid="heatmap-request"' in content
    assert 'data-testid="lime-request"' in content
    assert 'data-key="l"' in content


def test_the_lime_picture_goes_with_the_image_file(retained, queued, fake_classifier):
    heatmaps.request_lime(retained)
    tasks.compute_lime(retained.pk)
    path = LimeExplanation.objects.get(image=retained).path

    purge_image_file(retained.pk, "retention")

    assert not LimeExplanation.objects.filter(image=retained).exists()
    assert not path.exists()
