import pytest

from audit.models import AuditEvent
from review import services
from review.models import Amendment, Review, SignOff


@pytest.fixture
def signed_case(case, pathologist):
    for image in case.images.all():
        services.review_image(image, pathologist, image.prediction.label)
    services.sign_off(case, pathologist)
    return case


def test_an_amendment_keeps_the_signed_version_and_signs_a_new_one(signed_case, pathologist):
    lymphocyte = signed_case.images.get(prediction__label="lymphocyte")

    amendment = services.amend(
        signed_case, pathologist, {str(lymphocyte.public_id): "monocyte"}, "Second look"
    )

    first, second = SignOff.objects.filter(case=signed_case).order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert amendment.previous == first
    assert amendment.sign_off == second
    assert first.snapshot["differential"]["rows"][0] == {
        "label": "lymphocyte",
        "count": 1,
        "percent": 25.0,
        "per_100_leukocytes": None,
        "confidence_interval": [4.6, 69.9],
    }
    assert second.snapshot["differential"]["rows"][0]["count"] == 0
    assert amendment.changes == [
        {
            "image": str(lymphocyte.public_id),
            "name": lymphocyte.original_name,
            "from": "lymphocyte",
            "to": "monocyte",
        }
    ]
    assert Review.objects.get(image=lymphocyte).label == "monocyte"
    signed_case.refresh_from_db()
    assert signed_case.is_signed


def test_it_records_an_audit_event(signed_case, pathologist):
    image = signed_case.images.first()
    services.amend(signed_case, pathologist, {str(image.public_id): "other"}, "Artefact")
    event = AuditEvent.objects.get(action=AuditEvent.Action.AMENDMENT)
    assert event.details["version"] == 2
    assert event.details["reason"] == "Artefact"


def test_it_needs_a_reason_and_a_change(signed_case, pathologist):
    image = signed_case.images.first()
    with pytest.raises(services.ReviewError):
        services.amend(signed_case, pathologist, {str(image.public_id): "other"}, "  ")
    with pytest.raises(services.ReviewError):
        services.amend(signed_case, pathologist, {str(image.public_id): "neutrophil"}, "why")
    assert not Amendment.objects.exists()


def test_only_a_signed_case_can_be_amended(case, pathologist):
    with pytest.raises(services.ReviewError):
        services.amend(case, pathologist, {}, "reason")


def test_it_rejects_an_unknown_label(signed_case, pathologist):
    image = signed_case.images.first()
    with pytest.raises(services.InvalidLabelError):
        services.amend(signed_case, pathologist, {str(image.public_id): "basophil"}, "why")
    assert SignOff.objects.count() == 1
