"""Reviewing images, signing cases off and amending signed cases.

Each function takes the objects the view fetched through the access helper, checks the domain
rules, writes in one short transaction that locks the case row (so that a review and a sign-off
of the same case cannot interleave), and appends to the audit trail.
"""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record
from classifier.case_rows import case_differential, case_rows
from classifier.labels import OTHER_LABEL
from classifier.models import Case, CellImage
from classifier.tasks import purge_signed_case
from review.feedback import record_feedback
from review.models import Amendment, Review, SignOff


class ReviewError(Exception):
    """A review action that the rules forbid; the message is for the user."""


class CaseLockedError(ReviewError):
    """The case is signed: reviews and uploads are closed; changes go through an amendment."""


class ImageNotReviewableError(ReviewError):
    """The image has no prediction (still queued or running, or failed)."""


class InvalidLabelError(ReviewError):
    """The label is neither one of the model's classes nor "other"."""


class UnreviewedImagesError(ReviewError):
    """Sign-off refused: some images have no review yet."""

    def __init__(self, unreviewed: int):
        self.unreviewed = unreviewed
        super().__init__(
            ngettext(
                "%(count)d image is not reviewed yet.",
                "%(count)d images are not reviewed yet.",
                unreviewed,
            )
            % {"count": unreviewed}
        )


class CaseNotReadyError(ReviewError):
    """Sign-off refused: images are still being classified, or there is nothing to sign."""


class UnidentifiedImagesError(ReviewError):
    """Sign-off refused: some images are still unidentified (no class given by a reviewer)."""

    def __init__(self, unidentified: int):
        self.unidentified = unidentified
        super().__init__(
            ngettext(
                "%(count)d image is still unidentified: give it a class in the gallery.",
                "%(count)d images are still unidentified: give them a class in the gallery.",
                unidentified,
            )
            % {"count": unidentified}
        )


class ImagesNotInCaseError(ReviewError):
    """A batch review named images that are not classified images of the case."""


def allowed_labels(image: CellImage) -> list[str]:
    """The labels a reviewer may choose for an image: the model's classes, then "other"."""
    return [*image.prediction.model_version.labels, OTHER_LABEL]


def _locked_case(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def review_image(
    image: CellImage, user: User, label: str, comment: str = "", request: HttpRequest | None = None
) -> Review:
    """Accept or reclassify one image of an unsigned case; reviewing again replaces the verdict."""
    prediction = getattr(image, "prediction", None)
    if prediction is None:
        raise ImageNotReviewableError(_("This image has no prediction to review."))
    if label not in allowed_labels(image):
        raise InvalidLabelError(_("“%(label)s” is not a class of this model.") % {"label": label})
    with transaction.atomic():
        if _locked_case(image.case).is_signed:
            raise CaseLockedError(_("This case is signed off; changes need an amendment."))
        review = _save_review(image, user, label, comment)
    _after_review(review, user, request)
    return review


def review_images(
    case: Case,
    user: User,
    image_ids: list[str],
    label: str | None,
    request: HttpRequest | None = None,
) -> list[Review]:
    """Review several images of an unsigned case at once (the gallery), in one transaction.

    `image_ids` are public ids; `label` is the class they are moved to, or None to confirm each
    one's current class (an unidentified image has none to confirm). Each image is reviewed and
    audited as by review_image; a comment an image already has is kept.
    """
    wanted = {str(image_id) for image_id in image_ids}
    images = list(
        case.images.classified()
        .filter(public_id__in=wanted)
        .select_related("prediction__model_version", "review")
    )
    if not wanted or len(images) != len(wanted):
        raise ImagesNotInCaseError(_("Choose classified images of this case."))
    labels = {image.pk: label or _current_label(image) for image in images}
    for image in images:
        if label is not None and label not in allowed_labels(image):
            raise InvalidLabelError(
                _("“%(label)s” is not a class of this model.") % {"label": label}
            )
    with transaction.atomic():
        if _locked_case(case).is_signed:
            raise CaseLockedError(_("This case is signed off; changes need an amendment."))
        reviews = [_save_review(image, user, labels[image.pk], _comment(image)) for image in images]
    for review in reviews:
        _after_review(review, user, request)
    return reviews


def _current_label(image: CellImage) -> str:
    review = getattr(image, "review", None)
    if review is not None:
        return review.label
    if image.prediction.unidentified:
        raise ReviewError(_("An unidentified image has no class to confirm: choose one."))
    return image.prediction.label


def _comment(image: CellImage) -> str:
    review = getattr(image, "review", None)
    return review.comment if review is not None else ""


def _after_review(review: Review, user: User, request: HttpRequest | None) -> None:
    record_feedback(review)
    record(
        request,
        AuditEvent.Action.REVIEW,
        obj=review.image,
        user=user,
        predicted=review.predicted_label,
        label=review.label,
        accepted=not review.is_correction,
    )


def _save_review(image: CellImage, user: User, label: str, comment: str) -> Review:
    review, _created = Review.objects.update_or_create(
        image=image,
        defaults={
            "label": label,
            "predicted_label": image.prediction.label,
            "comment": comment.strip(),
            "reviewer": user,
        },
    )
    image.review = review
    return review


def latest_sign_off(case: Case) -> SignOff | None:
    """The case's current signed version (amendments add later ones), or None if unsigned."""
    return case.sign_offs.order_by("-version").first()


def unreviewed_count(case: Case) -> int:
    return case.images.classified().filter(review__isnull=True).count()


def unidentified_count(case: Case) -> int:
    """Images whose final label is "unidentified": flagged by the model, not yet classed."""
    return (
        case.images.classified().filter(review__isnull=True, prediction__unidentified=True).count()
    )


def snapshot(case: Case, user: User, signed_at, comment: str = "") -> dict:
    """The signed version as data: every image's labels, the differential, the signer and the
    pathologist's comment."""
    rows = case_rows(case)
    differential = case_differential(case, rows)
    return {
        "case": str(case.public_id),
        "accession": case.accession,
        "signed_at": signed_at.isoformat(),
        "signed_by": {
            "id": user.pk,
            "email": user.email,
            "name": user.display_name,
            "title": user.professional_title.strip(),
        },
        "comment": comment,
        "images": [
            {
                "image": str(row.image.public_id),
                "name": row.image.original_name,
                "predicted": row.predicted,
                "confidence": row.confidence,
                "reviewed": row.reviewed,
                "final": row.final,
                "reviewer": row.reviewer,
                "reviewer_name": row.reviewer_name,
                "model_version": row.model_version,
            }
            for row in rows
        ],
        "differential": differential.as_dict(),
        # The lab's intervals when signed: a later change on the settings page must not change
        # the flags of a signed report.
        "reference_intervals": {
            row.label: list(interval)
            for row in differential.rows
            if (interval := case.lab.reference_interval(row.label)) is not None
        },
        # Likewise the count over fields: the target it was signed against and the factor of
        # its platelet estimate (classifier.case_rows.count_settings reads them back).
        "differential_target": case.lab.differential_target,
        "platelet_factor": case.lab.platelet_factor,
    }


def _new_sign_off(case: Case, user: User, version: int, comment: str = "") -> SignOff:
    signed_at = timezone.now()
    return SignOff.objects.create(
        case=case,
        version=version,
        signed_by=user,
        signed_at=signed_at,
        comment=comment,
        snapshot=snapshot(case, user, signed_at, comment),
    )


def sign_off(
    case: Case, user: User, request: HttpRequest | None = None, comment: str = ""
) -> SignOff:
    """Sign a fully reviewed case: it becomes locked. Signing a signed case changes nothing.

    `comment` is the pathologist's comment on the case, printed on the report.

    Raises CaseNotReadyError while images are pending or when no image has a prediction,
    UnidentifiedImagesError while any image's final label is "unidentified" (flagged by the
    model and not yet classed by a reviewer), and UnreviewedImagesError (with the count) while
    any other classified image lacks a review. Once it has committed, the files of images
    uploaded without consent are deleted (classifier.tasks).
    """
    with transaction.atomic():
        case = _locked_case(case)
        if case.is_signed:
            return latest_sign_off(case)
        if case.images.filter(status__in=CellImage.PENDING_STATUSES).exists():
            raise CaseNotReadyError(_("Some images are still being classified."))
        if not case.images.classified().exists():
            raise CaseNotReadyError(_("This case has no classified image to sign off."))
        if unidentified := unidentified_count(case):
            raise UnidentifiedImagesError(unidentified)
        if unreviewed := unreviewed_count(case):
            raise UnreviewedImagesError(unreviewed)
        signed = _new_sign_off(case, user, version=1, comment=comment.strip())
        Case.objects.filter(pk=case.pk).update(status=Case.Status.SIGNED, updated=timezone.now())
        # The files kept only for this review go once the sign-off has committed (audited by
        # the purge); the periodic purge_expired_images catches a lost task.
        purge_signed_case.delay_on_commit(case.pk)
    record(request, AuditEvent.Action.SIGN_OFF, obj=case, user=user, version=signed.version)
    return signed


def amend(
    case: Case,
    user: User,
    labels: dict[str, str],
    reason: str,
    request: HttpRequest | None = None,
) -> Amendment:
    """Change final labels of a signed case; the earlier version stays, a new one is signed.

    `labels` maps image public ids (as strings) to their new label; unchanged ones are ignored.
    """
    if not reason.strip():
        raise ReviewError(_("An amendment needs a reason."))
    with transaction.atomic():
        case = _locked_case(case)
        if not case.is_signed:
            raise ReviewError(_("Only a signed case can be amended; review it instead."))
        changes, reviews = _apply_label_changes(case, user, labels)
        if not changes:
            raise ReviewError(_("Nothing was changed."))
        previous = latest_sign_off(case)
        new_version = _new_sign_off(
            case, user, version=previous.version + 1, comment=previous.comment
        )
        amendment = Amendment.objects.create(
            case=case,
            previous=previous,
            sign_off=new_version,
            reason=reason.strip(),
            changes=changes,
            amended_by=user,
        )
    for review in reviews:
        record_feedback(review)
    record(
        request,
        AuditEvent.Action.AMENDMENT,
        obj=case,
        user=user,
        version=new_version.version,
        changes=changes,
        reason=amendment.reason,
    )
    return amendment


def _apply_label_changes(
    case: Case, user: User, labels: dict[str, str]
) -> tuple[list[dict], list[Review]]:
    changes, reviews = [], []
    images = case.images.classified().select_related("prediction__model_version", "review")
    for image in images:
        new_label = labels.get(str(image.public_id))
        review = getattr(image, "review", None)
        old_label = review.label if review else image.prediction.label
        if not new_label or new_label == old_label:
            continue
        if new_label not in allowed_labels(image):
            raise InvalidLabelError(
                _("“%(label)s” is not a class of this model.") % {"label": new_label}
            )
        reviews.append(_save_review(image, user, new_label, review.comment if review else ""))
        changes.append(
            {
                "image": str(image.public_id),
                "name": image.original_name,
                "from": old_label,
                "to": new_label,
            }
        )
    return changes, reviews
