"""The contract's error body for every API failure: ``{"error": CODE, "detail": ..., ...}``.

Refusals of the domain (``core.errors.DomainError``, raised by services) become their contract
answer here and nowhere else; ``ApiError`` is for what only the HTTP layer knows (a missing
sign-in, a rate limit, a body over the limit).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import DomainError

logger = logging.getLogger("upstander.api")


class ApiError(exceptions.APIException):
    """An error with a contract code and optional extra fields (``missing``, ``allowed``...)."""

    def __init__(self, *, status_code: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = status_code
        self.error_code = code
        self.extra = extra


def validation_error(fields: dict[str, list[str]], detail: str | None = None) -> ApiError:
    return ApiError(
        status_code=status.HTTP_400_BAD_REQUEST,
        code="validation_error",
        detail=detail or _("Some fields need attention."),
        fields=fields,
    )


def _flatten(value: Any) -> list[str]:
    if isinstance(value, list):
        return [message for item in value for message in _flatten(item)]
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, item in value.items() for message in _flatten(item)]
    return [str(value)]


def _fields_of(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(key): _flatten(value) for key, value in detail.items()}
    return {"non_field_errors": _flatten(detail)}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return Response(exc.answer(), status=exc.status, headers=headers)
    if isinstance(exc, ApiError):
        body = {"error": exc.error_code, "detail": str(exc.detail), **exc.extra}
        return Response(body, status=exc.status_code, headers=_retry_header(exc))
    if isinstance(exc, exceptions.ValidationError):
        body = {
            "error": "validation_error",
            "detail": _("Some fields need attention."),
            "fields": _fields_of(exc.detail),
        }
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"error": "too_large", "detail": _("The request is too large.")},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, exceptions.ParseError):
        return Response(_unreadable_body(context), status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = {
        401: "not_authenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        415: "unsupported_media_type",
        429: "rate_limited",
    }.get(response.status_code, "error")
    if isinstance(exc, Http404 | exceptions.NotFound):
        detail = _("Not found.")
    elif isinstance(exc, exceptions.APIException):
        detail = str(exc.detail)
    else:
        detail = _("The request could not be completed.")
    response.data = {"error": code, "detail": detail}
    if isinstance(exc, exceptions.Throttled):
        response.data["retry_after"] = int(getattr(exc, "wait", None) or 1)
    return response


def _unreadable_body(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    if getattr(request, "content_type", "").startswith("multipart/"):
        return {
            "error": "validation_error",
            "detail": _("The upload could not be read."),
            "fields": {"file": [_("Send the file as multipart/form-data in the field 'file'.")]},
        }
    return {
        "error": "validation_error",
        "detail": _("The request body is not valid JSON."),
        "fields": {"body": [_("Send a JSON object.")]},
    }


def _retry_header(exc: ApiError) -> dict[str, str] | None:
    retry_after = exc.extra.get("retry_after")
    return {"Retry-After": str(retry_after)} if retry_after is not None else None


class ApiServerErrorMiddleware:
    """A 5xx on the API is a JSON error without stack trace or content, whatever DEBUG says."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith("/api/"):
            return None
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(
                {"error": "too_large", "detail": _("The request is too large.")}, status=413
            )
        # The exception type and path only: messages may quote report content.
        logger.error(
            "API error %s on %s %s", type(exception).__name__, request.method, request.path
        )
        return JsonResponse(
            {
                "error": "server_error",
                "detail": _("Something went wrong on our side. Nothing was saved."),
            },
            status=500,
        )
