"""One line for each reporter-side request that fails, with nothing that could identify it.

Reporters' requests are otherwise never logged (``core.logging_filters``): a timed line would
date a submission. Yet an operator must learn that reporters meet errors. So a failed request
on a reporter's path leaves one line that names the *class* of path (the URL's name, such as
``portal:access``, never the path itself, which may carry an attachment's id), the status and
the day, and the handler that writes it uses a format with no time and no address
(``config.settings.base.LOGGING``, logger ``upstander.reporter_errors``).

"Failed" means what the service did wrong or refused: every 5xx (503 when Redis is down
included) and 429 (a limit refused the reporter). A 4xx answering the reporter's own input
(a typo in a receipt, a form to correct) is not a failure of the service and is not logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve
from django.utils import timezone

from core.logging_filters import is_reporter_path

logger = logging.getLogger("upstander.reporter_errors")

UNRESOLVED = "unresolved"


def path_class(request: HttpRequest) -> str:
    """The name of the URL a request was for: the same for every reporter, and never the path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return UNRESOLVED
    return str(match.view_name)


def is_failure(status: int) -> bool:
    return status >= 500 or status == 429


class ReporterErrorLogMiddleware:
    """Outermost, so that it sees the answer every other layer made (a view's exception has
    already become a 500 by then)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if is_failure(response.status_code) and is_reporter_path(request.path_info):
            logger.warning(
                "reporter request failed: day=%s path=%s status=%s",
                timezone.now().date().isoformat(),
                path_class(request),
                response.status_code,
            )
        return response
