"""The daily limit on reports filed from one client, the same for the form and the API.

Reports count in the organisation's statistics, so one client filing report after report could
distort them (and flood the focal points). Only filed reports count (``core.throttling``, under
a daily pseudonym of the address, nothing stored). The limit fails open: when the counters
cannot be reached a report is still received, since a report refused for an outage may never
be made again (issue 10).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.errors import RateLimitedError, ServiceUnavailableError, wait_words
from core.throttling import submission_made, submissions_retry_after

INTAKE_SCOPE = "intake"

logger = logging.getLogger(__name__)


class IntakeLimitError(RateLimitedError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            retry_after,
            _(
                "Several reports were already sent from this connection today, so this one was "
                "not sent: to protect the service from misuse, each connection can send only a "
                "few reports a day. You can send it in %(wait)s, or now from another device or "
                "network."
            )
            % {"wait": wait_words(retry_after)},
        )


def intake_limit_check(request: HttpRequest) -> None:
    """Raise ``IntakeLimitError`` when this client filed its reports for the day."""
    try:
        retry_after = submissions_retry_after(request, scope=INTAKE_SCOPE)
    except ServiceUnavailableError:
        logger.warning("Report limit not applied: its counters are unavailable.")
        return
    if retry_after is not None:
        raise IntakeLimitError(retry_after)


def intake_counted(request: HttpRequest) -> None:
    """Count a report this client filed."""
    submission_made(request, scope=INTAKE_SCOPE)
