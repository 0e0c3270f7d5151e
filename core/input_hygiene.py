"""A NUL byte anywhere in a request (path, query string, form or JSON body) is refused with a
400 before any view runs.

No legitimate text holds one, and PostgreSQL refuses it in a text value: left to reach a query
(a username at sign-in, say), it turned an ordinary bad input into a 500. Multipart bodies
carry files, whose bytes may hold NULs: their text fields are checked by the forms and
serializers (Django's and DRF's character fields refuse NUL themselves).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, unquote

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"


def _in_address(request: HttpRequest) -> str | None:
    if NUL in request.path or NUL in unquote(request.META.get("PATH_INFO", "")):
        return "path"
    for name, value in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True):
        if NUL in name or NUL in value:
            return name.replace(NUL, "") or "query"
    return None


def _in_body(request: HttpRequest) -> str | None:
    content_type = request.content_type or ""
    if content_type == "application/json":
        try:
            body = request.body
        except RequestDataTooBig:
            return None  # answered as too large further in
        return "body" if b"\x00" in body or b"\\u0000" in body else None
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # Parsing here is what the CSRF check does next anyway; file contents are not looked
        # at (their bytes may hold NULs), only the text fields.
        try:
            fields = request.POST
        except (RequestDataTooBig, MultiPartParserError):
            # Too large, or a multipart body that cannot be read (no boundary, say): answered
            # further in, as 413 or as the API's (or the page's) 400, not here as an error page.
            return None
        for name, values in fields.lists():
            if NUL in name or any(NUL in value for value in values):
                return name.replace(NUL, "") or "body"
    return None


def _offending_field(request: HttpRequest) -> str | None:
    """The name of the part of the request that holds a NUL byte, or ``None``."""
    found = _in_address(request)
    if found is None and request.method in ("POST", "PUT", "PATCH"):
        found = _in_body(request)
    return found


class RefuseNulBytesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = _offending_field(request)
        if field is None:
            return self.get_response(request)
        message = _("This contains a character that text cannot hold (a NUL byte).")
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "error": "validation_error",
                    "detail": _("Some fields need attention."),
                    "fields": {field: [message]},
                },
                status=400,
            )
        return render(request, "errors/400.html", {"message": message}, status=400)
