"""What every report is made of: one row per image of a case, and the case's differential.

`case_rows(case)` is read by the differential, the case API, the review pages, the sign-off
snapshot and the reports (PDF, CSV, FHIR JSON), so that they all agree on which label is final.
It lives in classifier, the lowest app all of them may import. The reviewer's verdict is read
through the reverse relation `image.review` (review.Review points at CellImage), never by
importing review: the classifier must not depend on the apps built on it.

`case_count(case, differential)` adds the count over smear fields (classifier/field_counts.py):
white cells against the lab's target, and the platelet estimate and red cells per field.
"""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from classifier.differential import Differential, compute_differential, final_label
from classifier.field_counts import FieldCounts, WhiteCellTarget, field_counts
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


@dataclass(frozen=True)
class CountSettings:
    differential_target: int
    platelet_factor: int


def count_settings(case: Case) -> CountSettings:
    """The lab's differential target and platelet factor; a signed case's as it was signed (a
    later change on the lab settings page must not change a signed report). The sign-off is
    read through the reverse relation, as the review is above."""
    sign_off = case.sign_offs.order_by("-version").first() if case.is_signed else None
    signed = sign_off.snapshot if sign_off else {}
    return CountSettings(
        differential_target=signed.get("differential_target", case.lab.differential_target),
        platelet_factor=signed.get("platelet_factor", case.lab.platelet_factor),
    )


@dataclass(frozen=True)
class CaseCount:
    """The count over fields of a case: white cells against the target, and the fields' totals
    (None without a done field)."""

    white_cells: WhiteCellTarget
    fields: FieldCounts | None

    def as_dict(self) -> dict:
        """JSON-ready, for the API: figures only, unrounded but for the estimate."""
        white_cells = self.white_cells
        fields = self.fields
        return {
            "white_cells": {
                "counted": white_cells.counted,
                "target": white_cells.target,
                "remaining": white_cells.remaining,
                "target_met": white_cells.is_met,
            },
            "fields": None
            if fields is None
            else {
                "fields": fields.fields,
                "platelets_per_field": fields.platelets_per_field,
                "platelet_factor": fields.platelet_factor,
                "platelet_estimate_per_ul": fields.platelet_estimate,
                "red_cells_per_field": fields.red_cells_per_field,
            },
        }


def case_count(case: Case, differential: Differential) -> CaseCount:
    settings = count_settings(case)
    done_fields = case.images.filter(kind=CellImage.Kind.FIELD, status=CellImage.Status.DONE)
    return CaseCount(
        white_cells=WhiteCellTarget(differential.leukocytes, settings.differential_target),
        fields=field_counts(done_fields.values_list("counts", flat=True), settings.platelet_factor),
    )
