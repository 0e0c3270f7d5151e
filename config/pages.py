"""Site-wide pages: the landing page and the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "not_found", "detail": _("Not found.")}, status=404)
    return render(request, "errors/404.html", status=404)


def api_not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"error": "not_found", "detail": _("Not found.")}, status=404)


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
