"""A smear field's page: the picture with its cells' boxes, the counts, its white cells."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import membership_required
from audit.models import AuditEvent
from audit.services import record
from classifier.access import get_image_or_404
from classifier.field_page import field_context


@membership_required
@require_GET
def field_detail(request: HttpRequest, image_id) -> HttpResponse:
    field = get_image_or_404(request.membership, image_id)
    if not field.is_field:
        raise Http404(_("This image is not a smear field."))
    record(request, AuditEvent.Action.IMAGE_VIEWED, obj=field, view="field")
    context = field_context(field, request.membership)
    return render(request, "classifier/field_detail.html", context)
