from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from accounts.api import AuthTokenApi, EntityListApi, StaffEnrolApi
from core import pages
from core.health import healthz

api_v1: list[URLPattern | URLResolver] = [
    path("entities", EntityListApi.as_view(), name="api-entities"),
    path("auth/token", AuthTokenApi.as_view(), name="api-auth-token"),
    path("auth/enrol", StaffEnrolApi.as_view(), name="api-auth-enrol"),
    path("", include("reports.api_urls")),
    path("", include("cases.api_urls")),
]

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("", include("reports.urls")),
    path("staff/", include("cases.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Unknown API paths answer in the contract's JSON, also when DEBUG is on.
    re_path(r"^api/", pages.api_not_found),
]

handler404 = "core.pages.not_found"
handler500 = "core.pages.server_error"
