from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from accounts import urls as accounts_urls
from cases import urls as cases_urls
from core import pages
from core.health import healthz

api_v1: list[URLPattern | URLResolver] = [
    path("", include("portal.api_urls")),
    path("", include("accounts.api_urls")),
    path("", include("cases.api_urls")),
    path("", include("stats.api_urls")),
]

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("", include("portal.urls")),
    path("", include("stats.urls")),
    # One "staff" namespace: the staff-account pages (accounts) and the case pages (cases).
    path("staff/", include((accounts_urls.urlpatterns + cases_urls.urlpatterns, "staff"))),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Unknown API paths answer in the contract's JSON, also when DEBUG is on.
    re_path(r"^api/", pages.api_not_found),
]

handler404 = "core.pages.not_found"
handler500 = "core.pages.server_error"
