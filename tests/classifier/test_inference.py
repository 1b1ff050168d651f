"""classifier.inference: the per-process model cache follows the active version."""

import pytest

from classifier import inference, tasks
from classifier.models import Prediction
from tests.classifier.conftest import make_model_version

pytestmark = pytest.mark.django_db


def test_it_loads_the_model_once_per_process(case, store_image, fake_model, model_version):
    for _ in range(3):
        tasks.classify_image(store_image(case).pk)
    assert fake_model.loads == [model_version.bundle_dir]


def test_making_another_version_active_takes_effect_at_the_next_task(
    case, store_image, fake_model, model_version
):
    tasks.classify_image(store_image(case).pk)
    newer = make_model_version("fake-v2", active=False)
    newer.activate()  # what the admin's "make active" action does; no worker restart

    second = store_image(case)
    tasks.classify_image(second.pk)

    assert fake_model.loads == [model_version.bundle_dir, newer.bundle_dir]
    assert Prediction.objects.get(image=second).model_version == newer
    assert list(inference._cache) == [newer.pk]  # the old model is not kept in memory


def test_it_needs_an_active_version(db, fake_model):
    make_model_version(active=False)
    with pytest.raises(inference.NoActiveModelError):
        inference.active_version()


def test_a_missing_file_is_reported_before_predicting(case, store_image, fake_model, model_version):
    image = store_image(case)
    image.purge_file()
    with pytest.raises(inference.ImageFileMissingError):
        inference.classify(image)


def test_the_result_flags_low_confidence(case, store_image, fake_model, model_version):
    fake_model.confidence = 0.3
    result = inference.classify(store_image(case))
    assert result.unidentified
    assert result.elapsed_ms >= 0
