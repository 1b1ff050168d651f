"""What every report is made of: one row per image of a case, and the case's differential.

`case_rows(case)` is read by the differential, the case API, the review pages, the sign-off
snapshot and the reports (PDF, CSV, FHIR JSON), so that they all agree on which label is final.
It lives in classifier, the lowest app all of them may import. The reviewer's verdict is read
through the reverse relation `image.review` (review.Review points at CellImage), never by
importing review: the classifier must not depend on the apps built on it.
"""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from classifier.differential import Differential, compute_differential, final_label
from classifier.labels import OTHER_LABEL
from classifier.models import Case, CellImage


@dataclass(frozen=True)
class ImageRow:
    image: CellImage
    predicted: str | None
    confidence: float | None
    unidentified: bool
    reviewed: str | None
    reviewer: str  # the reviewer's email address
    reviewed_at: datetime.datetime | None
    comment: str
    model_version: str
    # Full name and professional title (User.signature), as reports print the reviewer.
    reviewer_name: str = ""

    @property
    def final(self) -> str | None:
        return final_label(self.predicted, self.reviewed)


def case_images(case: Case) -> QuerySet[CellImage]:
    return case.images.select_related("prediction__model_version", "review__reviewer").order_by(
        "created", "id"
    )


def image_row(image: CellImage) -> ImageRow:
    prediction = getattr(image, "prediction", None)
    review = getattr(image, "review", None)
    return ImageRow(
        image=image,
        predicted=prediction.label if prediction else None,
        confidence=prediction.confidence if prediction else None,
        unidentified=bool(prediction and prediction.unidentified),
        reviewed=review.label if review else None,
        reviewer=str(review.reviewer or "") if review else "",
        reviewed_at=review.updated if review else None,
        comment=review.comment if review else "",
        model_version=prediction.model_version.name if prediction else "",
        reviewer_name=review.reviewer.signature if review and review.reviewer else "",
    )


def case_rows(case: Case) -> list[ImageRow]:
    return [image_row(image) for image in case_images(case)]


def case_classes(rows: list[ImageRow]) -> list[str]:
    """The classes of the model versions that classified the case, then "other"."""
    classes: dict[str, None] = {}
    for row in rows:
        prediction = getattr(row.image, "prediction", None)
        if prediction is not None:
            classes.update(dict.fromkeys(prediction.model_version.labels))
    return [*classes, OTHER_LABEL] if classes else []


def case_differential(case: Case, rows: list[ImageRow] | None = None) -> Differential:
    rows = case_rows(case) if rows is None else rows
    return compute_differential(((row.predicted, row.reviewed) for row in rows), case_classes(rows))
