"""Site-wide pages: the landing page and the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware import csrf
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "not_found", "detail": _("Not found.")}, status=404)
    return render(request, "errors/404.html", status=404)


@csrf_exempt  # an unknown API path is a 404 for every method; there is nothing to protect
def api_not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"error": "not_found", "detail": _("Not found.")}, status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form: JSON on the API, a calm page (with quick exit) everywhere else.

    The page tells which real cause it was, since each has its own way on: the security cookie
    was missing (cookies blocked, or cleared by a quick exit), the form came from another site,
    the browser hid which page sent it (over HTTPS Django then cannot tell), or the form was
    older than the current session.
    """
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "forbidden", "detail": _("The request was refused. Start again.")}, status=403
        )
    if reason == csrf.REASON_NO_CSRF_COOKIE:
        cause = "no_cookie"
    elif reason in (
        csrf.REASON_NO_REFERER,
        csrf.REASON_MALFORMED_REFERER,
    ):
        cause = "no_origin"
    elif reason.startswith(("Origin checking failed", "Referer checking failed")):
        cause = "other_site"
    else:
        cause = "expired"
    response = render(request, "403_csrf.html", {"cause": cause}, status=403)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "error": "server_error",
                "detail": _("Something went wrong on our side. Nothing was saved."),
            },
            status=500,
        )
    return render(request, "errors/500.html", status=500)
