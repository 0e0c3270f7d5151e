"""The daily limit on reports filed from one client, the same for the form and the API.

Reports count in the organisation's statistics, so one client filing report after report could
distort them (and flood the focal points); and no client may file more than a few within
ten minutes, so that a flood's share of the day's allowance cannot arrive all at once (each
report costs an Argon2id derivation). Only filed reports count (``core.throttling``, under
a daily pseudonym of the address, nothing stored). The limit fails open: when the counters
cannot be reached a report is still received, since a report refused for an outage may never
be made again (issue 10).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.errors import RateLimitedError, ServiceUnavailableError, wait_words
from core.throttling import submission_made, submissions_retry_after

INTAKE_SCOPE = "intake"
# The short window: a flood from one client files a few reports, then is refused cheaply
# (before any Argon2id work) until the window ends, instead of filing its day's allowance at
# once (issue 15).
INTAKE_BURST_SCOPE = "intake-burst"
BURST_WINDOW_SECONDS = 10 * 60

logger = logging.getLogger(__name__)


class IntakeLimitError(RateLimitedError):
    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(
            retry_after,
            message
            or _(
                "Several reports were already sent from this connection today, so this one was "
                "not sent: to protect the service from misuse, each connection can send only a "
                "few reports a day. You can send it in %(wait)s, or now from another device or "
                "network."
            )
            % {"wait": wait_words(retry_after)},
        )


class IntakeBurstError(IntakeLimitError):
    """Too many reports from this client in the last minutes (``SUBMISSIONS_PER_CLIENT_BURST``)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            retry_after,
            _(
                "Several reports were just sent from this connection, so this one was not sent: "
                "to protect the service from misuse, each connection can send only a few reports "
                "in a short time. You can send it in %(wait)s, or now from another device or "
                "network."
            )
            % {"wait": wait_words(retry_after)},
        )


def intake_limit_check(request: HttpRequest) -> None:
    """Raise ``IntakeLimitError`` when this client filed its reports for the day, or
    ``IntakeBurstError`` when it filed its few for the last minutes."""
    try:
        retry_after = submissions_retry_after(request, scope=INTAKE_SCOPE)
        burst_retry_after = submissions_retry_after(
            request,
            scope=INTAKE_BURST_SCOPE,
            limit=settings.SUBMISSIONS_PER_CLIENT_BURST,
            window=BURST_WINDOW_SECONDS,
        )
    except ServiceUnavailableError:
        logger.warning("Report limit not applied: its counters are unavailable.")
        return
    if retry_after is not None:
        raise IntakeLimitError(retry_after)
    if burst_retry_after is not None:
        raise IntakeBurstError(burst_retry_after)


def intake_counted(request: HttpRequest) -> None:
    """Count a report this client filed."""
    submission_made(request, scope=INTAKE_SCOPE)
    submission_made(request, scope=INTAKE_BURST_SCOPE, window=BURST_WINDOW_SECONDS)
