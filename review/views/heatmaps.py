"""Explanations on the review page, Grad-CAM heatmaps and LIME pictures: ask for one, poll its
state, look at it."""

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
from review.models import Explanation, Heatmap, LimeExplanation

PNG_URLS = {Heatmap: "review:heatmap_png", LimeExplanation: "review:lime_png"}
REQUESTS = {Heatmap: heatmaps.request_heatmap, LimeExplanation: heatmaps.request_lime}
AUDIT_VIEWS = {Heatmap: "heatmap", LimeExplanation: "lime"}


def explanation_state(image, model: type[Explanation] = Heatmap) -> dict:
    explanation = model.objects.filter(image=image).first()
    if explanation is None:
        return {"status": "none", "url": None, "available": image.has_file}
    done = explanation.status == model.Status.DONE
    return {
        "status": explanation.status,
        "status_display": explanation.get_status_display(),
        "url": reverse(PNG_URLS[model], args=[image.public_id]) if done else None,
        "error": explanation.error,
        "available": image.has_file,
    }


def _state_or_request(request: HttpRequest, image_id, model: type[Explanation]) -> HttpResponse:
    image = get_image_or_404(request.membership, image_id)
    if request.method == "POST":
        try:
            REQUESTS[model](image)
        except heatmaps.HeatmapUnavailableError as error:
            raise Http404 from error
        if "application/json" not in request.headers.get("Accept", ""):
            return redirect("review:image", case_id=image.case.public_id, image_id=image.public_id)
    return JsonResponse(explanation_state(image, model))


def _png(request: HttpRequest, image_id, model: type[Explanation]) -> FileResponse:
    image = get_image_or_404(request.membership, image_id)
    explanation = model.objects.filter(image=image, status=model.Status.DONE).first()
    if explanation is None:
        raise Http404
    if not image.has_file:
        heatmaps.purge_for_image(image)  # the image went: its explanations must go too
        raise Http404
    if explanation.path is None or not explanation.path.is_file():
        raise Http404
    record(request, AuditEvent.Action.IMAGE_VIEWED, obj=image, view=AUDIT_VIEWS[model])
    response = FileResponse(explanation.path.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@pathologist_required
@never_cache
@require_http_methods(["GET", "POST"])
def heatmap(request: HttpRequest, image_id) -> HttpResponse:
    """GET: the Grad-CAM heatmap's state as JSON. POST: compute it (on the "explain" queue)."""
    return _state_or_request(request, image_id, Heatmap)


@pathologist_required
@require_GET
def heatmap_png(request: HttpRequest, image_id) -> FileResponse:
    """The overlay PNG, only while the image file itself is still retained."""
    return _png(request, image_id, Heatmap)


@pathologist_required
@never_cache
@require_http_methods(["GET", "POST"])
def lime(request: HttpRequest, image_id) -> HttpResponse:
    """GET: the LIME picture's state as JSON. POST: compute it (on the "explain" queue)."""
    return _state_or_request(request, image_id, LimeExplanation)


@pathologist_required
@require_GET
def lime_png(request: HttpRequest, image_id) -> FileResponse:
    """The LIME PNG, only while the image file itself is still retained."""
    return _png(request, image_id, LimeExplanation)
