"""Image actions on the case page: upload a batch, look at one stored image, delete one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError, RestrictedError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.access import membership_required
from audit.models import AuditEvent
from audit.services import record
from classifier import intake, purge
from classifier.access import (
    get_case_or_404,
    get_image_or_404,
    may_delete_image,
    may_see_image_file,
)
from classifier.forms import UploadForm

CONTENT_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png"}
CONTENT_TYPES |= {"TIFF": "image/tiff", "BMP": "image/bmp"}


@membership_required
@require_POST
def image_upload(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_or_404(request.membership, case_id)
    form = UploadForm(request.POST, request.FILES, lab=case.lab)
    if not form.is_valid():
        messages.error(request, _("Choose at least one image to upload."))
        return redirect("classifier:case_detail", case_id=case.public_id)
    consent_retain = form.cleaned_data["consent_retain"]
    result = intake.accept_uploads(
        case, form.cleaned_data["files"], consent_retain=consent_retain, user=request.user
    )
    for image in result.accepted:
        record(request, AuditEvent.Action.IMAGE_UPLOADED, obj=image, consent_retain=consent_retain)
    if result.accepted:
        count = len(result.accepted)
        messages.success(
            request,
            ngettext(
                "%(count)d image queued for classification.",
                "%(count)d images queued for classification.",
                count,
            )
            % {"count": count},
        )
    for refusal in result.refused:
        messages.error(
            request,
            _("%(name)s was not accepted: %(reason)s.")
            % {"name": refusal.name, "reason": refusal.reason},
        )
    return redirect("classifier:case_detail", case_id=case.public_id)


@membership_required
@require_GET
def image_file(request: HttpRequest, image_id) -> FileResponse:
    """The stored image, to members of its lab only; 404 once it has been deleted.

    Without consent only the lab's reviewers may see it (404 for the others).
    """
    image = get_image_or_404(request.membership, image_id)
    if not may_see_image_file(request.membership, image):
        raise Http404(_("This image is kept for the lab's reviewers only."))
    if image.path is None or not image.path.is_file():
        raise Http404(_("This image is no longer stored."))
    record(request, AuditEvent.Action.IMAGE_VIEWED, obj=image)
    response = FileResponse(
        image.path.open("rb"), content_type=CONTENT_TYPES.get(image.image_format)
    )
    response["Cache-Control"] = "private, no-store"
    return response


@membership_required
@require_POST
def image_delete(request: HttpRequest, image_id) -> HttpResponse:
    """Delete an image with its file and prediction (the uploader or the lab admin)."""
    image = get_image_or_404(request.membership, image_id)
    case = image.case
    if not may_delete_image(request.membership, image):
        raise PermissionDenied
    if image.is_pending:
        messages.error(request, _("Wait until the image is classified before deleting it."))
        return redirect("classifier:case_detail", case_id=case.public_id)
    try:
        purge.delete_image(image.pk, reason="deleted by a user", request=request)
    except (ProtectedError, RestrictedError):
        messages.error(request, _("This image has been reviewed, so it cannot be deleted."))
        return redirect("classifier:case_detail", case_id=case.public_id)
    messages.success(request, _("%(name)s was deleted.") % {"name": image.original_name})
    return redirect("classifier:case_detail", case_id=case.public_id)
