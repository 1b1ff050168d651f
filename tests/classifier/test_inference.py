"""classifier.inference: the per-process model cache follows the lab's or the active version."""

import pytest

from classifier import inference, tasks
from classifier.models import Prediction
from tests.factories import CaseFactory, ModelVersionFactory

pytestmark = pytest.mark.django_db


def test_it_loads_the_model_once_per_process(case, store_image, fake_model, model_version):
    for _ in range(3):
        tasks.classify_image(store_image(case).pk)
    assert fake_model.loads == [model_version.bundle_dir]


def test_making_another_version_active_takes_effect_at_the_next_task(
    case, store_image, fake_model, model_version
):
    tasks.classify_image(store_image(case).pk)
    newer = ModelVersionFactory(name="fake-v2", is_active=False)
    newer.activate()  # what the admin's "make active" action does; no worker restart

    second = store_image(case)
    tasks.classify_image(second.pk)

    assert fake_model.loads == [model_version.bundle_dir, newer.bundle_dir]
    assert Prediction.objects.get(image=second).model_version == newer


def test_a_lab_with_its_own_version_is_classified_by_it(
    case, store_image, fake_model, model_version, lab_b
):
    adapted = ModelVersionFactory(name="adapted", is_active=False)
    case.lab.model_version = adapted
    case.lab.save()
    own = store_image(case)
    tasks.classify_image(own.pk)
    assert Prediction.objects.get(image=own).model_version == adapted
    other = store_image(CaseFactory(lab=lab_b, accession="OTHER-1"))
    tasks.classify_image(other.pk)
    assert Prediction.objects.get(image=other).model_version == model_version
    # Both stay loaded: the labs take turns without reloading.
    tasks.classify_image(store_image(case).pk)
    assert fake_model.loads == [adapted.bundle_dir, model_version.bundle_dir]


def test_only_the_most_recently_used_models_stay_loaded(db, fake_model):
    versions = [
        ModelVersionFactory(name=f"v{index}", is_active=False)
        for index in range(inference.MAX_LOADED + 1)
    ]
    for version in versions:
        inference.classifier_for(version)
    inference.classifier_for(versions[1])  # used again: now the most recent
    assert list(inference._cache) == [v.pk for v in [*versions[2:], versions[1]]]
    assert len(fake_model.loads) == inference.MAX_LOADED + 1


def test_it_needs_an_active_version(case, store_image, fake_model):
    ModelVersionFactory(is_active=False)
    with pytest.raises(inference.NoActiveModelError):
        inference.classify(store_image(case))


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
