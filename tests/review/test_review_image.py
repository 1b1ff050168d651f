import pytest

from audit.models import AuditEvent
from classifier.purge import purge_image_file
from review import services
from review.models import Feedback, Review
from tests.review.helpers import add_image, make_case


def _review_all(case, user):
    for image in case.images.all():
        services.review_image(image, user, image.prediction.label)


def test_it_accepts_the_model_label(case, pathologist):
    image = case.images.first()

    review = services.review_image(image, pathologist, image.prediction.label, "  fine ")

    review.refresh_from_db()
    assert review.label == review.predicted_label == image.prediction.label
    assert review.comment == "fine"
    assert review.reviewer == pathologist
    assert not review.is_correction
    assert not Feedback.objects.exists()


def test_it_reclassifies_into_another_class_or_other(case, pathologist):
    first, second = case.images.all()[:2]

    services.review_image(first, pathologist, "monocyte")
    services.review_image(second, pathologist, "other")

    assert Review.objects.get(image=first).label == "monocyte"
    assert Review.objects.get(image=second).label == "other"


def test_reviewing_again_replaces_the_verdict(case, pathologist):
    image = case.images.first()
    services.review_image(image, pathologist, "monocyte")

    services.review_image(image, pathologist, "platelet")

    assert Review.objects.filter(image=image).count() == 1
    assert Review.objects.get(image=image).label == "platelet"


def test_it_rejects_a_label_the_model_does_not_know(case, pathologist):
    with pytest.raises(services.InvalidLabelError):
        services.review_image(case.images.first(), pathologist, "basophil")
    assert not Review.objects.exists()


def test_it_refuses_an_image_without_prediction(case, pathologist):
    image = case.images.first()
    image.prediction.delete()
    image.refresh_from_db()
    with pytest.raises(services.ImageNotReviewableError):
        services.review_image(image, pathologist, "neutrophil")


def test_it_refuses_to_review_a_signed_case(case, pathologist):
    _review_all(case, pathologist)
    services.sign_off(case, pathologist)
    image = case.images.first()

    with pytest.raises(services.CaseLockedError):
        services.review_image(image, pathologist, "platelet")

    assert Review.objects.get(image=image).label == image.prediction.label


def test_it_records_an_audit_event(case, pathologist):
    image = case.images.first()

    services.review_image(image, pathologist, "monocyte")

    event = AuditEvent.objects.get(action=AuditEvent.Action.REVIEW)
    assert event.user == pathologist
    assert event.object_id == str(image.public_id)
    assert event.lab_id == case.lab_id
    assert event.details == {"predicted": "neutrophil", "label": "monocyte", "accepted": False}


def test_a_correction_keeps_feedback_without_the_image_when_there_is_no_consent(case, pathologist):
    image = case.images.first()

    services.review_image(image, pathologist, "monocyte")

    feedback = Feedback.objects.get()
    assert feedback.image == image
    assert feedback.sha256 == image.sha256
    assert feedback.model_version == image.prediction.model_version
    assert (feedback.predicted_label, feedback.corrected_label) == ("neutrophil", "monocyte")
    assert feedback.reviewer == pathologist
    assert not feedback.consent
    assert feedback.file == ""


def test_a_correction_copies_a_consented_image_until_its_retention_purge(
    lab_a, pathologist, model_version
):
    case = make_case(lab_a, "C-2")
    image = add_image(case, "neutrophil", retained=True)
    original = image.path.read_bytes()

    services.review_image(image, pathologist, "monocyte")

    feedback = Feedback.objects.get()
    assert feedback.consent
    assert feedback.file.startswith("feedback/")
    copy = feedback.path
    assert copy.read_bytes() == original
    purge_image_file(image.pk, reason="retention period ended")
    feedback.refresh_from_db()
    assert feedback.file == "" and feedback.corrected_label == "monocyte"
    assert not copy.exists()
    image.refresh_from_db()
    assert image.path is None


def test_accepting_after_a_correction_drops_the_feedback(lab_a, pathologist, model_version):
    case = make_case(lab_a, "C-3")
    image = add_image(case, "neutrophil", retained=True)
    services.review_image(image, pathologist, "monocyte")
    copy = Feedback.objects.get().path

    services.review_image(image, pathologist, "neutrophil")

    assert not Feedback.objects.exists()
    assert not copy.exists()
