"""Reviewing one case: its summary (with sign-off), one image at a time, amendments, history."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import membership_required
from audit.models import AuditEvent
from audit.services import record
from classifier.access import get_case_or_404
from classifier.case_rows import case_differential, case_rows
from classifier.differential import final_label
from classifier.labels import display_label
from review import services
from review.access import get_case_image_or_404, pathologist_required
from review.forms import AmendmentForm, ReviewForm, SignOffForm
from review.gallery import shortcut_keys
from review.queue import next_unreviewed, reviewable_images
from review.services import latest_sign_off


@pathologist_required
@require_GET
def case_review(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_or_404(request.membership, case_id)
    record(request, AuditEvent.Action.CASE_VIEWED, obj=case, view="review")
    images = reviewable_images(case)
    rows = case_rows(case)
    context = {
        "case": case,
        "rows": rows,
        "differential": case_differential(case, rows),
        "first_unreviewed": next_unreviewed(images),
        "unreviewed": services.unreviewed_count(case),
        "unidentified": services.unidentified_count(case),
        "sign_off": latest_sign_off(case),
        "sign_off_form": SignOffForm(),
    }
    return render(request, "review/case.html", context)


@pathologist_required
def image_review(request: HttpRequest, case_id, image_id) -> HttpResponse:
    case, image = get_case_image_or_404(request.membership, case_id, image_id)
    images = reviewable_images(case)
    if image not in images:
        messages.error(request, _("This image has no prediction to review."))
        return redirect("review:case", case_id=case.public_id)
    image = images[images.index(image)]
    labels = services.allowed_labels(image)
    form = ReviewForm(request.POST or None, labels=labels)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_image(
                image,
                request.user,
                form.cleaned_data["label"],
                form.cleaned_data["comment"],
                request,
            )
        except services.ReviewError as error:
            messages.error(request, str(error))
            return redirect("review:case", case_id=case.public_id)
        following = next_unreviewed(images, after=image)
        if following is None:
            messages.success(request, _("Every image is reviewed; the case can be signed off."))
            return redirect("review:case", case_id=case.public_id)
        return redirect("review:image", case_id=case.public_id, image_id=following.public_id)
    record(request, AuditEvent.Action.IMAGE_VIEWED, obj=image, view="review")
    return render(request, "review/image.html", _image_context(case, image, images, labels, form))


def _image_context(case, image, images, labels, form) -> dict:
    position = images.index(image)
    prediction = image.prediction
    review = getattr(image, "review", None)
    buttons = [
        {"label": label, "display": display_label(label), "key": key}
        for label, key in zip(labels, _shortcut_keys(labels), strict=True)
    ]
    probabilities = sorted(prediction.probabilities.items(), key=lambda item: -item[1])
    return {
        "case": case,
        "image": image,
        "prediction": prediction,
        "predicted_display": display_label(prediction.label),
        "review": review,
        "reviewed_display": display_label(review.label) if review else "",
        "probabilities": [(display_label(label), p) for label, p in probabilities],
        "buttons": buttons,
        "form": form,
        "position": position + 1,
        "count": len(images),
        "reviewed_count": sum(1 for i in images if hasattr(i, "review")),
        "previous": images[position - 1] if position > 0 else None,
        "next": images[position + 1] if position + 1 < len(images) else None,
        "heatmap": getattr(image, "heatmap", None),
        "lime": getattr(image, "lime", None),
        "locked": case.is_signed,
    }


def _shortcut_keys(labels: list[str]) -> list[str]:
    """1-9 for the model's classes (as on a cell counter), O for other / artefact."""
    keys = shortcut_keys(labels)
    return [keys.get(label, "") for label in labels]


@pathologist_required
@require_POST
def sign_off(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_or_404(request.membership, case_id)
    was_signed = case.is_signed
    form = SignOffForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.sign_off(case, request.user, request, comment=comment)
    except services.ReviewError as error:
        messages.error(request, str(error))
    else:
        if not was_signed:
            messages.success(request, _("The case is signed off."))
    return redirect("review:case", case_id=case.public_id)


@pathologist_required
def amend(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_or_404(request.membership, case_id)
    if not case.is_signed:
        return redirect("review:case", case_id=case.public_id)
    images = reviewable_images(case)
    form = AmendmentForm(
        request.POST or None,
        images=images,
        allowed={image.pk: services.allowed_labels(image) for image in images},
        finals={image.pk: _final(image) for image in images},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.amend(case, request.user, form.labels(), form.cleaned_data["reason"], request)
        except services.ReviewError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The amendment is signed."))
            return redirect("review:history", case_id=case.public_id)
    return render(request, "review/amend.html", {"case": case, "form": form})


def _final(image) -> str:
    review = getattr(image, "review", None)
    return final_label(image.prediction.label, review.label if review else None)


@membership_required
@require_GET
def history(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_or_404(request.membership, case_id)
    record(request, AuditEvent.Action.CASE_VIEWED, obj=case, view="history")
    sign_offs = case.sign_offs.select_related("signed_by", "amendment__amended_by").order_by(
        "-version"
    )
    return render(request, "review/history.html", {"case": case, "sign_offs": sign_offs})
