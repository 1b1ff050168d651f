from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import include, path
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as accounts_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", accounts_views.home, name="home"),
    path("", include("accounts.urls")),
    path("", include("classifier.urls")),
    path("api/v1/", include("classifier.api.urls")),
    path("review/", include("review.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("review.api_urls")),
    path("api/v1/", include("reports.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Members only (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]); the split view serves its
    # script as a file, so the page needs no inline script.
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
]


def not_found(request, exception):
    """An API client gets JSON for a URL that matches nothing (an id that is not a UUID never
    reaches a DRF view); everyone else gets the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)


handler404 = not_found
