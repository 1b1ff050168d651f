"""What the case page shows for each image, as plain dicts: the page and its JSON poll share it.

Images that need a person's eyes come first: unidentified (low confidence), then the other
results from the least to the most confident, then failures, then those still in the queue.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Membership
from classifier.access import may_delete_image, may_see_image_file
from classifier.labels import display_label
from classifier.models import Case, CellImage

TOP_K = 3


def prediction_summary(image: CellImage) -> dict | None:
    prediction = getattr(image, "prediction", None)
    if prediction is None:
        return None
    return {
        "label": prediction.label,
        "label_display": display_label(prediction.label),
        "confidence": round(prediction.confidence, 4),
        "unidentified": prediction.unidentified,
        "model_version": prediction.model_version.name,
        "top": [
            {"label": label, "label_display": display_label(label), "probability": round(p, 4)}
            for label, p in prediction.top(TOP_K)
        ],
    }


def file_note(image: CellImage, membership: Membership) -> str:
    """Why there is no picture (or who may see it), for the case page."""
    if not image.has_file:
        return _("Image deleted; its result is kept.") if image.file_purged_at else ""
    if image.kept_for_review_only and not may_see_image_file(membership, image):
        return _("Kept for the pathologists' review only.")
    return ""


def image_summary(image: CellImage, membership: Membership) -> dict:
    return {
        "id": str(image.public_id),
        "name": image.original_name,
        "status": image.status,
        "status_display": image.get_status_display(),
        "error": image.error,
        "consent_retain": image.consent_retain,
        "file_url": (
            reverse("classifier:image_file", args=[image.public_id])
            if image.has_file and may_see_image_file(membership, image)
            else None
        ),
        "file_note": file_note(image, membership),
        "delete_url": (
            reverse("classifier:image_delete", args=[image.public_id])
            if may_delete_image(membership, image) and not image.is_pending
            else None
        ),
        "prediction": prediction_summary(image),
    }


def review_order(summary: dict) -> tuple:
    prediction = summary["prediction"]
    if prediction is not None:
        rank = 0 if prediction["unidentified"] else 1
        return (rank, prediction["confidence"])
    rank = 2 if summary["status"] == CellImage.Status.FAILED else 3
    return (rank, 0.0)


def case_images(case: Case, membership: Membership) -> list[dict]:
    """Every image of the case, summarised, in review order (stable: upload order breaks ties)."""
    images = case.images.select_related("prediction__model_version", "case").order_by(
        "created", "id"
    )
    summaries = [image_summary(image, membership) for image in images]
    return sorted(summaries, key=review_order)


def case_state(case: Case, membership: Membership) -> dict:
    images = case_images(case, membership)
    return {
        "id": str(case.public_id),
        "status": case.status,
        "status_display": case.get_status_display(),
        "pending": sum(1 for image in images if image["status"] in CellImage.PENDING_STATUSES),
        "images": images,
    }
