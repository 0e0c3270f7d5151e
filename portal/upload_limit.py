"""The daily limit on files one client may have opened, the same for the form and the API.

Every image or PDF costs a confined decoder process (``reports.file_cleaner``), and a refused
file costs as much as an accepted one, so every file counts before it is opened, refused ones
included: one client cannot keep the workers decoding hostile images. The count is kept like
the report limit's (``core.throttling``, under a daily pseudonym of the address, nothing
stored) and fails open for the same reason: a report's evidence refused for an outage may never
be sent again, and the decoder's own limits still hold.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.errors import RateLimitedError, ServiceUnavailableError, wait_words
from core.throttling import allowance_use
from reports.attachments import CleanAttachment, clean_attachment

UPLOAD_SCOPE = "uploads"

logger = logging.getLogger(__name__)


class UploadLimitError(RateLimitedError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            retry_after,
            _(
                "Many files were already sent from this connection today, so this one was not "
                "opened: to protect the service from misuse, each connection can send only "
                "%(count)s files a day. You can send it in %(wait)s, or now from another device "
                "or network."
            )
            % {"count": settings.UPLOADS_PER_CLIENT_PER_DAY, "wait": wait_words(retry_after)},
        )


def upload_clean(request: HttpRequest, *, filename: str, data: bytes) -> CleanAttachment:
    """Count one file this client sent, then clean it (``reports.attachments``).

    Raises ``UploadLimitError`` when the client used its day's allowance, and whatever
    ``clean_attachment`` raises for the file itself.
    """
    try:
        retry_after = allowance_use(
            request, scope=UPLOAD_SCOPE, limit=settings.UPLOADS_PER_CLIENT_PER_DAY
        )
    except ServiceUnavailableError:
        logger.warning("Upload limit not applied: its counters are unavailable.")
        retry_after = None
    if retry_after is not None:
        raise UploadLimitError(retry_after)
    return clean_attachment(filename, data)
