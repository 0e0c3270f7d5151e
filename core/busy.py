"""A request that found every Argon2id slot of its worker taken is answered 503
``service_unavailable`` with ``Retry-After``, never 500 and never an endless queue (issue 15).

``vault.crypto`` lets only ``UPSTANDER_KDF_CONCURRENCY`` derivations run at once in a process,
so that a flood cannot grow a worker's memory; whoever waits longer than
``UPSTANDER_KDF_WAIT_SECONDS`` for a slot gets ``DerivationsBusyError``. The derivation comes
before anything is written (a report's key is prepared before its transaction opens, a sign-in
derives before it records anything), so the contract's "nothing was changed" holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from core.errors import ServiceUnavailableError
from vault.crypto import DerivationsBusyError

logger = logging.getLogger("upstander.busy")

# A derivation takes a fraction of a second: a few seconds later a slot is very likely free.
BUSY_RETRY_AFTER = 5


class DerivationsBusyMiddleware:
    """Answers ``DerivationsBusyError``: JSON on the API, a page elsewhere.

    Listed after ``core.api_errors.ApiServerErrorMiddleware``, so that it sees the exception
    before that one turns it into a 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DerivationsBusyError):
            return None
        # No path (it may name a case), no address, no content.
        logger.warning("Argon2id slots busy: answered 503")
        busy = ServiceUnavailableError()
        busy.retry_after = BUSY_RETRY_AFTER
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(busy.answer(), status=busy.status)
        else:
            response = render(
                request,
                "errors/try_again.html",
                {"message": busy.page_message()},
                status=busy.status,
            )
        response["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response
