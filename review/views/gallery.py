"""The class gallery of a case: every cell grouped by its class, moved or confirmed in batches."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from audit.models import AuditEvent
from audit.services import record
from classifier.access import get_case_or_404
from classifier.labels import display_label
from classifier.models import CellImage
from review import services
from review.access import pathologist_required
from review.forms import GalleryForm
from review.gallery import gallery_groups, shortcut_keys


def _labels(groups) -> list[str]:
    return [group.key for group in groups if not group.is_unidentified]


@pathologist_required
@require_GET
def gallery(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_or_404(request.membership, case_id)
    record(request, AuditEvent.Action.CASE_VIEWED, obj=case, view="gallery")
    groups = gallery_groups(case)
    labels = _labels(groups)
    keys = shortcut_keys(labels)
    for group in groups:
        group.shortcut = keys.get(group.key, "")
    context = {
        "case": case,
        "groups": groups,
        "cell_count": sum(len(group.cells) for group in groups),
        "unidentified": len(groups[0].cells),
        "unreviewed": services.unreviewed_count(case),
        "pending": case.images.filter(status__in=CellImage.PENDING_STATUSES).count(),
        "targets": [
            {"label": label, "display": display_label(label), "key": keys.get(label, "")}
            for label in labels
        ],
        "form": GalleryForm(groups=groups, labels=labels),
        "locked": case.is_signed,
    }
    return render(request, "review/gallery.html", context)


@pathologist_required
@require_POST
def gallery_review(request: HttpRequest, case_id) -> HttpResponse:
    """One POST for several cells: each gets a review, as on the one-cell page."""
    case = get_case_or_404(request.membership, case_id)
    groups = gallery_groups(case)
    form = GalleryForm(request.POST, groups=groups, labels=_labels(groups))
    back = reverse("review:gallery", kwargs={"case_id": case.public_id})
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect(back)
    image_ids = form.image_ids()
    if not image_ids:
        messages.info(request, _("Every cell of this group is already reviewed."))
        return redirect(back)
    try:
        reviews = services.review_images(
            case, request.user, image_ids, form.chosen_label(), request
        )
    except services.ReviewError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(request, _reviewed_message(reviews))
    # Back where the reviewer was working (static/js/gallery.js names the group), else where
    # the cells went.
    anchor = request.POST.get("return_to", "")
    if anchor not in {group.key for group in groups}:
        anchor = reviews[0].label
    # A query, not a #fragment: scrolling to a fragment would move the focus off the cell.
    return redirect(f"{back}?{urlencode({'at': anchor})}")


def _reviewed_message(reviews) -> str:
    labels = {review.label for review in reviews}
    if len(labels) == 1:
        return ngettext(
            "%(count)d cell reviewed as %(label)s.",
            "%(count)d cells reviewed as %(label)s.",
            len(reviews),
        ) % {"count": len(reviews), "label": display_label(labels.pop())}
    return ngettext("%(count)d cell reviewed.", "%(count)d cells reviewed.", len(reviews)) % {
        "count": len(reviews)
    }
