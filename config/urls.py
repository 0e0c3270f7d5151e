from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from accounts import admin_urls as accounts_admin_urls
from accounts import urls as accounts_urls
from cases import admin_urls as cases_admin_urls
from cases import urls as cases_urls
from core import pages
from core.health import healthz
from core.language_choice import page_patterns
from referrals import admin_urls as referrals_admin_urls

api_v1: list[URLPattern | URLResolver] = [
    path("", include("portal.api_urls")),
    path("", include("accounts.api_urls")),
    path("", include("cases.api_urls")),
    path("", include("stats.api_urls")),
]

# The pages, under a language prefix (core.language_choice): /ar/report/ is the intake in
# Arabic, /report/ the intake in the language the browser asks for.
PAGES: list[URLPattern | URLResolver] = [
    path("", pages.home, name="home"),
    path("", include("portal.urls")),
    path("", include("stats.urls")),
    # The administrator's workspace: staff and entities (accounts), departures (cases) and the
    # service directory (referrals), each written by the app that owns it.
    path(
        "staff/admin/",
        include(
            (
                accounts_admin_urls.urlpatterns
                + cases_admin_urls.urlpatterns
                + referrals_admin_urls.urlpatterns,
                "accounts",
            )
        ),
    ),
    # One "staff" namespace: the staff-account pages (accounts) and the case pages (cases).
    path("staff/", include((accounts_urls.urlpatterns + cases_urls.urlpatterns, "staff"))),
]

# Machines' addresses, never prefixed: the API's paths are its contract (its error messages
# still follow Accept-Language).
UNPREFIXED: list[URLPattern | URLResolver] = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Unknown API paths answer in the contract's JSON, also when DEBUG is on.
    re_path(r"^api/", pages.api_not_found),
]

urlpatterns = [*UNPREFIXED, *page_patterns(*PAGES, prefix_default_language=False)]

handler404 = "core.pages.not_found"
handler500 = "core.pages.server_error"
