"""Keep reporters' activity out of the logs.

A log line carries a time. A line saying "POST /api/v1/reports 201 at 14:03:27" would store
the precise time of a submission, which the product promises never to keep. Requests on the
reporter's paths are therefore not logged at all by Django's request loggers or gunicorn.
"""

from __future__ import annotations

import logging

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
    return path.startswith(REPORTER_PATH_PREFIXES)


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
