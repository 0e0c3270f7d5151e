"""A transaction that lost a race PostgreSQL could not let it wait out is answered 409
``conflict``, never 500 (issue 10).

Writers on a report queue on its row (``reports.locking``), so two ordinary requests wait for
each other rather than deadlock. Should a deadlock or a serialisation failure still happen (an
order of locks this codebase does not yet know), PostgreSQL has already rolled the transaction
back: nothing was written, which is exactly what the contract's ``conflict`` says, and the
reader may simply try again. The request is not retried here: its body may have been read, and
its effects outside the database (counters in the cache) already counted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from core.errors import ConflictError

logger = logging.getLogger("upstander.concurrency")

# deadlock_detected and serialization_failure: the transaction lost, and was rolled back.
LOST_RACE_SQLSTATES = frozenset({"40P01", "40001"})


def lost_race(error: BaseException) -> bool:
    """Whether ``error`` is PostgreSQL saying this transaction lost a race and was undone."""
    if not isinstance(error, DatabaseError):
        return False
    # Django's error wraps the driver's, which carries the SQLSTATE.
    driver_error = error.__cause__ or error
    return getattr(driver_error, "sqlstate", None) in LOST_RACE_SQLSTATES


class LostRaceMiddleware:
    """Answers a lost race with the contract's ``conflict``: JSON on the API, a page elsewhere.

    Listed last among the middleware so that it sees the exception first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not lost_race(exception):
            return None
        # The kind of race only: no path (it may name a case), no address, no content.
        logger.warning("conflict: %s answered 409", type(exception.__cause__ or exception).__name__)
        conflict = ConflictError()
        if request.path.startswith("/api/"):
            return JsonResponse(conflict.answer(), status=conflict.status)
        return render(
            request,
            "errors/409.html",
            {"message": conflict.page_message()},
            status=conflict.status,
        )
