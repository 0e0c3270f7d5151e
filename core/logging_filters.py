"""Keep reporters' activity out of the logs.

A log line carries a time. A line saying "POST /api/v1/reports 201 at 14:03:27" would store
the precise time of a submission, which the product promises never to keep. Requests on the
reporter's paths are therefore not logged at all by Django's request loggers or gunicorn.
"""

from __future__ import annotations

import ipaddress
import logging
import re

from core.languages import without_language_prefix

REPORTER_PATH_PREFIXES = (
    "/report/",
    "/access/",
    "/my-report/",
    "/exit/",
    "/not-ready/",
    "/api/v1/reports",
    "/api/v1/reporter/",
    # Static files too: the quick-exit script is fetched only by reporter pages.
    "/static/",
)


def is_reporter_path(path: str) -> bool:
    # In any language: /ar/report/ is as much a reporter's request as /report/.
    return without_language_prefix(path).startswith(REPORTER_PATH_PREFIXES)


class DropReporterActivity(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if isinstance(path, str):
            return not is_reporter_path(path)
        # django.server passes the request line ("POST /report/ HTTP/1.1"); other loggers pass
        # the path among their arguments or in the message itself.
        args = record.args if isinstance(record.args, tuple) else ()
        texts = [arg for arg in args if isinstance(arg, str)] + [str(record.msg)]
        return not any(is_reporter_path(token) for text in texts for token in text.split())


# Dotted quads (valid or not: over-scrubbing costs nothing), and runs of hex digits, dots and
# at least two colons, each replaced only if it reads as an IPv6 address (a time such as
# 10:23:37 is left alone). A run may end in the text's own colon or full stop ("ip=::1: ...").
_IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")
_IPV6_RUN = re.compile(r"[0-9A-Fa-f.]*(?::[0-9A-Fa-f.]*){2,}(?:%[0-9A-Za-z]+)?")
ADDRESS_MARK = "[address]"


def _ipv6_or_kept(match: re.Match[str]) -> str:
    run = match.group(0)
    for candidate in (run, run.rstrip(":.")):
        try:
            ipaddress.IPv6Address(candidate.partition("%")[0])
        except ValueError:
            continue
        return ADDRESS_MARK + run[len(candidate) :]
    return run


def scrub_addresses(text: str) -> str:
    """``text`` with every IP address replaced by ``[address]``."""
    return _IPV4.sub(ADDRESS_MARK, _IPV6_RUN.sub(_ipv6_or_kept, text))


class ScrubAddresses(logging.Filter):
    """Removes IP addresses from a record's message and traceback.

    For loggers whose messages are written by libraries (gunicorn's "Invalid request from
    ip=..."): the address is replaced, the line kept, so the operator still learns what failed.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub_addresses(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_addresses(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_addresses(record.stack_info)
        return True
