"""`/healthz`: is this web process able to serve (database, broker, a live worker, a sound
active model)? JSON, 200 or 503, no log-in, nothing audited or stored."""

from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from classifier import health


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    result = health.report()
    response = JsonResponse(result, status=200 if result["ok"] else 503)
    add_never_cache_headers(response)
    return response
