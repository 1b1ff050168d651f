"""Grad-CAM heatmaps on the review page: ask for one, poll its state, look at it."""

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from audit.models import AuditEvent
from audit.services import record
from classifier.access import get_image_or_404
from review import heatmaps
from review.access import pathologist_required
from review.models import Heatmap


def heatmap_state(image) -> dict:
    heatmap = Heatmap.objects.filter(image=image).first()
    if heatmap is None:
        return {"status": "none", "url": None, "available": image.has_file}
    done = heatmap.status == Heatmap.Status.DONE
    return {
        "status": heatmap.status,
        "status_display": heatmap.get_status_display(),
        "url": reverse("review:heatmap_png", args=[image.public_id]) if done else None,
        "error": heatmap.error,
        "available": image.has_file,
    }


@pathologist_required
@never_cache
@require_http_methods(["GET", "POST"])
def heatmap(request: HttpRequest, image_id) -> HttpResponse:
    """GET: the heatmap's state as JSON. POST: compute it (on the "explain" queue)."""
    image = get_image_or_404(request.membership, image_id)
    if request.method == "POST":
        try:
            heatmaps.request_heatmap(image)
        except heatmaps.HeatmapUnavailableError as error:
            raise Http404 from error
        if "application/json" not in request.headers.get("Accept", ""):
            return redirect("review:image", case_id=image.case.public_id, image_id=image.public_id)
    return JsonResponse(heatmap_state(image))


@pathologist_required
@require_GET
def heatmap_png(request: HttpRequest, image_id) -> FileResponse:
    """The overlay PNG, only while the image file itself is still retained."""
    image = get_image_or_404(request.membership, image_id)
    heatmap = Heatmap.objects.filter(image=image, status=Heatmap.Status.DONE).first()
    if heatmap is None:
        raise Http404
    if not image.has_file:
        heatmaps.purge_for_image(image)  # the image went: its heatmap must go too
        raise Http404
    if heatmap.path is None or not heatmap.path.is_file():
        raise Http404
    record(request, AuditEvent.Action.IMAGE_VIEWED, obj=image, view="heatmap")
    response = FileResponse(heatmap.path.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response
