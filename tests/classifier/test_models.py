"""classifier.models: status transitions, one active model version, file purging."""

import pytest
from django.db import IntegrityError

from classifier.models import Case, CellImage, ModelVersion
from tests.factories import CaseFactory, ModelVersionFactory

pytestmark = pytest.mark.django_db


def test_only_one_version_is_active(db):
    first = ModelVersionFactory(name="v1")
    second = ModelVersionFactory(name="v2")
    first.refresh_from_db()
    assert (first.is_active, second.is_active) == (False, True)
    assert ModelVersion.active() == second


def test_a_lab_with_its_own_version_uses_it_and_the_others_use_the_active_one(lab_a, lab_b):
    assert ModelVersion.for_lab(lab_a) is None
    active = ModelVersionFactory(name="shared")
    adapted = ModelVersionFactory(name="lab-a-adapted", is_active=False)
    lab_a.model_version = adapted
    lab_a.save()
    assert ModelVersion.for_lab(lab_a) == adapted
    assert ModelVersion.for_lab(lab_b) == active
    adapted.delete()  # the lab falls back to the active version
    lab_a.refresh_from_db()
    assert ModelVersion.for_lab(lab_a) == active


def test_activate_switches_and_is_harmless_to_repeat(db):
    first = ModelVersionFactory(name="v1")
    second = ModelVersionFactory(name="v2", is_active=False)
    assert second.activate() is True
    assert second.activate() is False
    assert list(ModelVersion.objects.filter(is_active=True)) == [second]
    first.refresh_from_db()
    assert not first.is_active


def test_the_database_refuses_two_active_versions(db):
    ModelVersionFactory(name="v1")
    other = ModelVersionFactory(name="v2", is_active=False)
    with pytest.raises(IntegrityError):
        ModelVersion.objects.filter(pk=other.pk).update(is_active=True)


def test_accession_is_unique_per_lab_only(lab_a, lab_b):
    CaseFactory(lab=lab_a, accession="X-1")
    CaseFactory(lab=lab_b, accession="X-1")
    with pytest.raises(IntegrityError):
        CaseFactory(lab=lab_a, accession="X-1")


def test_case_has_no_identifying_fields():
    names = {field.name for field in Case._meta.get_fields()}
    assert not names & {"name", "patient_name", "first_name", "last_name", "birth_date", "dob"}


def test_a_signed_case_does_not_go_back_to_processing(case):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.SIGNED)
    case.refresh_from_db()
    case.start_processing()
    assert case.status == Case.Status.SIGNED


def test_case_finishes_only_when_nothing_is_pending(case, store_image):
    image = store_image(case)
    assert case.finish_processing_if_complete() is False
    CellImage.objects.filter(pk=image.pk).update(status=CellImage.Status.FAILED)
    assert case.finish_processing_if_complete() is True
    assert case.status == Case.Status.AWAITING_REVIEW
    assert case.finish_processing_if_complete() is False


def test_purge_file_deletes_the_file_and_keeps_the_row(case, store_image):
    image = store_image(case, consent_retain=True)
    path = image.path
    assert image.purge_file() is True
    assert not path.exists()
    image.refresh_from_db()
    assert (image.file, image.path, image.has_file) == ("", None, False)
    assert image.purge_file() is False


def test_prediction_top_is_ordered(case, store_image, model_version):
    image = store_image(case)
    prediction = image.record_prediction(
        model_version=model_version,
        label="b",
        confidence=0.6,
        probabilities={"a": 0.1, "b": 0.6, "c": 0.25, "d": 0.05},
        elapsed_ms=3,
    )
    assert prediction.top(3) == [("b", 0.6), ("c", 0.25), ("a", 0.1)]
    assert not prediction.unidentified
    assert str(prediction) == "b (60%)"
