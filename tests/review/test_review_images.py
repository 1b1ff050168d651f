"""review.services.review_images: several cells reviewed in one go (the class gallery)."""

import pytest

from audit.models import AuditEvent
from classifier.models import Case
from review import services
from review.models import Feedback, Review
from tests.review.helpers import add_image, make_case


def ids(*images) -> list[str]:
    return [str(image.public_id) for image in images]


def test_it_moves_several_cells_to_one_class(case, pathologist):
    first, second, third, lymphocyte = case.images.order_by("id")

    reviews = services.review_images(case, pathologist, ids(first, second, third), "monocyte")

    assert len(reviews) == 3
    assert set(Review.objects.values_list("label", flat=True)) == {"monocyte"}
    assert not Review.objects.filter(image=lymphocyte).exists()
    assert Feedback.objects.count() == 3  # corrections, as from the one-cell page


def test_each_cell_is_audited_like_a_single_review(case, pathologist):
    first, second = case.images.order_by("id")[:2]

    services.review_images(case, pathologist, ids(first, second), "monocyte")

    events = AuditEvent.objects.filter(action=AuditEvent.Action.REVIEW)
    assert sorted(events.values_list("object_id", flat=True)) == sorted(ids(first, second))
    assert {event.details["label"] for event in events} == {"monocyte"}
    assert {event.details["accepted"] for event in events} == {False}


def test_without_a_label_it_confirms_each_cells_current_class(case, pathologist):
    images = list(case.images.order_by("id"))
    services.review_image(images[0], pathologist, "monocyte", "odd granules")

    services.review_images(case, pathologist, ids(*images), None)

    labels = dict(Review.objects.values_list("image_id", "label"))
    assert labels == {
        images[0].pk: "monocyte",
        images[1].pk: "neutrophil",
        images[2].pk: "neutrophil",
        images[3].pk: "lymphocyte",
    }
    assert Review.objects.get(image=images[0]).comment == "odd granules"


def test_an_unidentified_cell_has_no_class_to_confirm(case, pathologist):
    unsure = add_image(case, "neutrophil", confidence=0.3)
    with pytest.raises(services.ReviewError):
        services.review_images(case, pathologist, ids(unsure), None)
    assert not Review.objects.exists()


def test_it_refuses_a_label_the_model_does_not_know(case, pathologist):
    with pytest.raises(services.InvalidLabelError):
        services.review_images(case, pathologist, ids(case.images.first()), "banana")
    assert not Review.objects.exists()


def test_it_refuses_cells_of_another_case(case, lab_a, pathologist):
    other = add_image(make_case(lab_a, "ACC-2"), "neutrophil")
    with pytest.raises(services.ImagesNotInCaseError):
        services.review_images(case, pathologist, ids(case.images.first(), other), "monocyte")
    assert not Review.objects.exists()


def test_it_refuses_a_signed_case(case, pathologist):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.SIGNED)
    case.refresh_from_db()
    with pytest.raises(services.CaseLockedError):
        services.review_images(case, pathologist, ids(case.images.first()), "monocyte")
    assert not Review.objects.exists()


def test_batch_reviews_are_amendable_after_sign_off(case, pathologist):
    images = list(case.images.order_by("id"))
    services.review_images(case, pathologist, ids(*images[:3]), "monocyte")
    services.review_images(case, pathologist, ids(images[3]), None)
    services.sign_off(case, pathologist)

    services.amend(case, pathologist, {str(images[0].public_id): "neutrophil"}, "Misread.")

    assert Review.objects.get(image=images[0]).label == "neutrophil"
    assert case.sign_offs.count() == 2
