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
    "/api/v1/reports",
    "/api/v1/reporter/",
)


def is_reporter_path(path: str) -> bool:
    return path.startswith(REPORTER_PATH_PREFIXES)


class DropReporterActivity(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if isinstance(path, str):
            return not is_reporter_path(path)
        # django.server passes the request line as the first argument: "POST /report/ HTTP/1.1".
        if record.args and isinstance(record.args, tuple) and isinstance(record.args[0], str):
            parts = record.args[0].split(" ")
            if len(parts) >= 2 and is_reporter_path(parts[1]):
                return False
        return True
