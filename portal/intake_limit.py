"""The daily limit on reports filed from one client, the same for the form and the API.

Reports count in the organisation's statistics, so one client filing report after report could
distort them (and flood the focal points); and no client may file more than a few within
ten minutes, so that a flood's share of the day's allowance cannot arrive all at once (each
report costs an Argon2id derivation). Only filed reports count (``core.throttling``, under
a daily pseudonym of the address, nothing stored). Each report is counted before it is filed
(``intake_reserved``), so that parallel requests from one client file exactly the limit rather
than all passing a check before the first is counted (issue 15), and its units are given back
when it is refused or not filed. The limit fails open: when the counters cannot be reached a
report is still received, since a report refused for an outage may never be made again
(issue 10).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.errors import RateLimitedError, ServiceUnavailableError, wait_words
from core.throttling import Reservation, submission_given_back, submission_reserve

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


@contextmanager
def intake_reserved(request: HttpRequest) -> Iterator[None]:
    """Hold one of this client's reports, in the daily and the ten-minute count, while the block
    files it.

    Raises ``IntakeLimitError`` when this client filed its reports for the day, or
    ``IntakeBurstError`` when it filed its few for the last minutes, before anything is filed
    and having taken nothing. The units stay counted when the block ends normally (the report
    was filed and committed), and are given back when it raises (refused, busy, rolled back), so
    only filed reports count. Enter it after the submission is validated and with nothing left
    to do after filing: whatever the block ends with decides whether the report counts.
    """
    held = _intake_reserve(request)
    try:
        yield
    except BaseException:
        _given_back(held)
        raise


def _intake_reserve(request: HttpRequest) -> list[Reservation]:
    held: list[Reservation] = []
    try:
        daily = submission_reserve(request, scope=INTAKE_SCOPE)
        if daily.retry_after is not None:
            raise IntakeLimitError(daily.retry_after)
        held.append(daily)
        burst = submission_reserve(
            request,
            scope=INTAKE_BURST_SCOPE,
            limit=settings.SUBMISSIONS_PER_CLIENT_BURST,
            window=BURST_WINDOW_SECONDS,
        )
        if burst.retry_after is not None:
            # Refused: the day's unit is not used either.
            _given_back(held)
            raise IntakeBurstError(burst.retry_after)
        held.append(burst)
    except ServiceUnavailableError:
        # Whatever was counted before the outage stays held, and is kept if the report is filed.
        logger.warning("Report limit not applied: its counters are unavailable.")
    return held


def _given_back(held: list[Reservation]) -> None:
    for reservation in held:
        submission_given_back(reservation)
