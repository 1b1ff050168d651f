"""The review queue: a lab's cases awaiting review, hardest first, and the order of their images.

Unidentified images (confidence below the model's threshold) come first, then low-confidence
ones, so that a pathologist's attention goes where the model is least sure.
"""

from django.db import models
from django.db.models import Count, Q, QuerySet

from accounts.models import Membership
from classifier.access import cases_for
from classifier.models import Case, CellImage

LOW_CONFIDENCE = 0.80
PRIORITY_RANK = {Case.Priority.STAT: 0, Case.Priority.URGENT: 1, Case.Priority.ROUTINE: 2}


def review_queue(membership: Membership) -> QuerySet[Case]:
    """Cases of the member's lab awaiting review, with counts of what is left to review."""
    # Classified: a field and an image without blood cells are done with nothing to review.
    done = Q(images__status=CellImage.Status.DONE, images__prediction__isnull=False)
    unreviewed = done & Q(images__review__isnull=True)
    unidentified = unreviewed & Q(images__prediction__unidentified=True)
    low_confidence = (
        unreviewed
        & Q(images__prediction__unidentified=False)
        & Q(images__prediction__confidence__lt=LOW_CONFIDENCE)
    )
    priority_rank = models.Case(
        *[models.When(priority=priority, then=rank) for priority, rank in PRIORITY_RANK.items()],
        default=len(PRIORITY_RANK),
    )
    return (
        cases_for(membership)
        .filter(status=Case.Status.AWAITING_REVIEW)
        .annotate(
            image_count=Count("images", filter=done, distinct=True),
            unreviewed_count=Count("images", filter=unreviewed, distinct=True),
            unidentified_count=Count("images", filter=unidentified, distinct=True),
            low_confidence_count=Count("images", filter=low_confidence, distinct=True),
            priority_rank=priority_rank,
        )
        .order_by("priority_rank", "-unidentified_count", "-low_confidence_count", "created", "id")
    )


def image_review_key(image: CellImage) -> tuple:
    prediction = image.prediction
    return (0 if prediction.unidentified else 1, prediction.confidence, image.created, image.pk)


def reviewable_images(case: Case) -> list[CellImage]:
    """The case's classified images in review order: unidentified, then least confident first."""
    images = case.images.classified().select_related(
        "prediction__model_version", "review__reviewer", "heatmap", "lime"
    )
    return sorted(images, key=image_review_key)


def next_unreviewed(images: list[CellImage], after: CellImage | None = None) -> CellImage | None:
    """The first unreviewed image after `after` in review order, wrapping round; None if all are."""
    start = next((i + 1 for i, image in enumerate(images) if image == after), 0)
    for image in images[start:] + images[:start]:
        if not hasattr(image, "review") and image != after:
            return image
    return None
