"""Reporters' activity stays out of the logs (``core.logging_filters``): a log line carries a
time, and a reporter's request in the log would date their report."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from core.logging_filters import DropReporterActivity, scrub_addresses


def _server_record(request_line: str, status: str = "201") -> logging.LogRecord:
    """A record as Django's development server logs a request (``django.server``)."""
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        0,
        '"%s" %s %s',
        (request_line, status, "512"),
        None,
    )
    record.request = object()  # the server passes its socket, not an HttpRequest
    return record


@pytest.mark.parametrize(
    "request_line",
    [
        "POST /api/v1/reports HTTP/1.1",
        "POST /api/v1/reporter/session HTTP/1.1",
        "GET /api/v1/reporter/report HTTP/1.1",
        "POST /report/ HTTP/1.1",
        "POST /access/ HTTP/1.1",
        "GET /my-report/ HTTP/1.1",
        "GET /exit/ HTTP/1.1",
        # In another language (issue 13): the prefix does not make it someone else's request.
        "POST /ar/report/ HTTP/1.1",
        "GET /zh-hans/my-report/ HTTP/1.1",
        "GET /en/exit/ HTTP/1.1",
    ],
)
def test_request_log_filter_drops_reporter_requests(request_line: str) -> None:
    assert DropReporterActivity().filter(_server_record(request_line)) is False


@pytest.mark.parametrize(
    "request_line", ["GET /healthz HTTP/1.1", "GET /api/v1/entities HTTP/1.1", "GET / HTTP/1.1"]
)
def test_request_log_filter_keeps_other_requests(request_line: str) -> None:
    assert DropReporterActivity().filter(_server_record(request_line, "200")) is True


def test_request_log_filter_drops_django_request_records_for_reporter_paths() -> None:
    """Regression (reporter tests, fixed in dbf4bc9): the filter read only django.server's request
    line; django.request's records name the path in their message."""
    factory = RequestFactory()
    for path, kept in [("/report/", False), ("/api/v1/reporter/report", False), ("/healthz", True)]:
        record = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 0, "Not Found: %s", (path,), None
        )
        record.request = factory.get(path)
        assert DropReporterActivity().filter(record) is kept, path


def test_configured_loggers_apply_the_filter() -> None:
    """Regression (reporter tests, fixed in dbf4bc9): only the request loggers' handler dropped
    reporters' activity; every configured handler does."""
    # As configured by settings.LOGGING (pytest adds handlers of its own, which we ignore).
    # Every configured handler filters, so loggers that propagate (django.security.csrf, the
    # API error logger) are covered too.
    for name in ("django.server", "django.request", "django", ""):
        logger = logging.getLogger(name)
        configured = [h for h in logger.handlers if h.get_name() == "console"]
        assert configured, f"{name or 'root'} does not log through the configured handler"
        for handler in configured:
            assert handler.filter(_server_record("POST /api/v1/reports HTTP/1.1")) is False
            assert handler.filter(_server_record("GET /healthz HTTP/1.1", "200")) is True


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _configured_handlers_that_would_write(record: logging.LogRecord) -> list[str]:
    """The handlers of settings.LOGGING that would write ``record``, following propagation
    from its logger up to the root, as the logging module does."""
    logging_config: dict[str, Any] = settings.LOGGING
    configured = set(logging_config["handlers"])
    writing: list[str] = []
    logger: logging.Logger | None = logging.getLogger(record.name)
    while logger is not None:
        for handler in logger.handlers:
            name = handler.get_name()
            if name in configured and record.levelno >= handler.level and handler.filter(record):
                writing.append(f"{logger.name}->{name}")
        if not logger.propagate:
            break
        logger = logger.parent
    return writing


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/report/", {"step": "about", "reporter_role": "witness", "entity": "UNW"}),
        ("/access/", {"receipt": "2345-6789-ABCD-EFGH-JKMN"}),
    ],
)
def test_a_refused_reporter_form_post_leaves_no_log_line(path: str, data: dict[str, str]) -> None:
    # A reporter whose cookies were cleared (quick exit sends Clear-Site-Data) posts a form
    # without its CSRF cookie: Django refuses it and logs "Forbidden (...): /report/" on
    # django.security.csrf, which would time-stamp a reporter's visit.
    collect = _Collect()
    watched = [logging.getLogger(n) for n in ("django.security.csrf", "django.request")]
    for logger in watched:
        logger.addHandler(collect)
    try:
        response = Client(enforce_csrf_checks=True).post(path, data)
    finally:
        for logger in watched:
            logger.removeHandler(collect)

    assert response.status_code == 403
    assert collect.records, "Django logs a refused request"
    written = {
        record.getMessage(): found
        for record in collect.records
        if (found := _configured_handlers_that_would_write(record))
    }
    assert written == {}


def test_static_files_fetched_by_reporter_pages_are_not_logged() -> None:
    """Regression (privacy review, fixed in 20ed5b3): the quick-exit script is fetched only by
    reporter pages, and its line in the log dated a reporter's visit."""
    assert (
        DropReporterActivity().filter(
            _server_record("GET /static/js/quick-exit.js HTTP/1.1", "200")
        )
        is False
    )


# --- No address in any log line (issue 10, item 7) -----------------------------------------


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("Invalid request from ip=198.51.100.23: bad", "Invalid request from ip=[address]: bad"),
        ("from ip=2001:db8::7: bad", "from ip=[address]: bad"),
        ("peer ::ffff:198.51.100.23.", "peer [address]."),
        ("link fe80::1%eth0 down", "link [address] down"),
        ("('198.51.100.23', 51234)", "('[address]', 51234)"),
        ("Listening at: http://[::1]:8000 (7)", "Listening at: http://[[address]]:8000 (7)"),
    ],
)
def test_addresses_are_replaced_wherever_they_stand(text: str, scrubbed: str) -> None:
    assert scrub_addresses(text) == scrubbed


@pytest.mark.parametrize(
    "text",
    [
        "Booting worker at 10:23:37",
        "gunicorn 27.0.1",
        "device aa:bb:cc:dd:ee:ff",
        "ratio 3:2:1",
        "report R-ABCDEFGH",
    ],
)
def test_what_is_not_an_address_is_left_alone(text: str) -> None:
    assert scrub_addresses(text) == text


def test_the_console_handler_writes_no_address() -> None:
    [console] = [
        handler
        for handler in logging.getLogger().handlers
        if type(handler) is logging.StreamHandler
    ]
    written = io.StringIO()
    previous = console.setStream(written)
    try:
        logging.getLogger("upstander.api").warning("Refused %s for %s", "2001:db8::7", "x")
        logging.getLogger("upstander.api").warning("Refused 198.51.100.23")
    finally:
        console.setStream(previous)

    text = written.getvalue()
    assert "Refused [address] for x" in text
    assert "198.51.100.23" not in text
    assert "2001:db8::7" not in text
