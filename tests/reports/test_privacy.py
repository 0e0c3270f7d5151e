"""No IP address, user agent or precise time of submission is kept, in the database or the
logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, models
from django.test import Client, RequestFactory
from gunicorn.config import Config
from gunicorn.glogging import Logger
from rest_framework.test import APIClient

from audit.models import AuditEntry
from cases.models import Case
from core.gunicorn_logging import PrivacyLogger
from core.logging_filters import DropReporterActivity
from reports.models import Consent, Report, TimelineEntry
from tests.reports.helpers import (
    columns_containing,
    midnight_utc,
    report_payload,
    sign_in,
    submit,
)

# --- The Report model -----------------------------------------------------------------------

FORBIDDEN_NAME_PARTS = {
    "ip",
    "addr",
    "address",
    "remote",
    "host",
    "agent",
    "ua",
    "useragent",
    "browser",
    "device",
    "time",
    "timestamp",
    "datetime",
    "at",
    "created",
    "modified",
    "updated",
}


def test_report_has_no_field_that_could_hold_an_ip_user_agent_or_precise_time() -> None:
    suspicious = [
        field.name
        for field in Report._meta.concrete_fields
        if set(field.name.lower().split("_")) & FORBIDDEN_NAME_PARTS
        or isinstance(field, models.DateTimeField | models.TimeField | models.GenericIPAddressField)
    ]
    assert suspicious == []
    submitted_on = Report._meta.get_field("submitted_on")
    assert type(submitted_on) is models.DateField


@pytest.mark.django_db
def test_report_table_has_no_timestamp_or_address_column() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'reports_report'"
        )
        columns = dict(cursor.fetchall())
    assert columns["submitted_on"] == "date"
    assert [
        name
        for name, data_type in columns.items()
        if data_type.startswith(("timestamp", "time ", "inet", "cidr"))
    ] == []


# --- Times recorded at submission ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("entity")
def test_everything_written_at_submission_carries_midnight_utc() -> None:
    submit(consents={"case_review": True, "statistics": True, "mediation": False})
    report = Report.objects.get()
    midnight = midnight_utc(report.submitted_on)

    intake_consents = Consent.objects.filter(report=report, source="intake")
    assert intake_consents.count() == 3
    assert {consent.recorded_at for consent in intake_consents} == {midnight}
    assert TimelineEntry.objects.get(report=report, event="submitted").at == midnight
    assert TimelineEntry.objects.get(report=report, event="case_opened").at == midnight
    assert AuditEntry.objects.get(stream=str(report.id), action="report.submitted").at == midnight
    assert AuditEntry.objects.get(stream=str(report.id), action="case.opened").at == midnight
    assert Case.objects.get(report=report).opened_at == midnight


@pytest.mark.django_db
@pytest.mark.usefixtures("entity")
def test_reporter_sees_only_the_day_of_submission() -> None:
    body = submit()
    view = sign_in(body["receipt"]).get("/api/v1/reporter/report").json()
    day = midnight_utc().date().isoformat()
    assert body["report"]["submitted_at"] == f"{day}T00:00:00Z"
    submitted = [e for e in view["timeline"] if "submitted" in e["label"]]
    assert [e["at"] for e in submitted] == [f"{day}T00:00:00Z"]


@pytest.mark.django_db
@pytest.mark.usefixtures("entity")
def test_submission_stores_no_ip_address_or_user_agent() -> None:
    agent = "Mozilla/5.0 (CanaryOS; rv:99) UserAgentCanary/1.0"
    client = APIClient(REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT=agent)
    response = client.post("/api/v1/reports", report_payload(), format="json")
    assert response.status_code == 201
    assert columns_containing("203.0.113.77") == []
    assert columns_containing("UserAgentCanary") == []


# --- Logs -----------------------------------------------------------------------------------


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
    factory = RequestFactory()
    for path, kept in [("/report/", False), ("/api/v1/reporter/report", False), ("/healthz", True)]:
        record = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 0, "Not Found: %s", (path,), None
        )
        record.request = factory.get(path)
        assert DropReporterActivity().filter(record) is kept, path


def test_configured_loggers_apply_the_filter() -> None:
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


@pytest.fixture
def gunicorn_access_log(tmp_path: Path) -> Iterator[tuple[PrivacyLogger, Path]]:
    path = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(path))
    logger = PrivacyLogger(config)
    yield logger, path
    access = logging.getLogger("gunicorn.access")
    for handler in list(access.handlers):
        handler.close()
        access.removeHandler(handler)


def _access(logger: PrivacyLogger, method: str, path: str) -> None:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "198.51.100.23",
    }
    response = SimpleNamespace(status="200 OK", headers=[], sent=42)
    request = SimpleNamespace(headers=[("USER-AGENT", "test")])
    logger.access(response, request, environ, timedelta(milliseconds=5))


def test_gunicorn_access_log_skips_reporter_requests(
    gunicorn_access_log: tuple[PrivacyLogger, Path],
) -> None:
    logger, path = gunicorn_access_log
    _access(logger, "POST", "/report/")
    _access(logger, "POST", "/api/v1/reports")
    _access(logger, "GET", "/my-report/")
    _access(logger, "GET", "/healthz")

    lines = path.read_text().splitlines()
    assert len(lines) == 1
    assert "/healthz" in lines[0]


class _ParentAccess(Logger):
    """Stands in for gunicorn's own ``Logger.access`` in the probe's method resolution order."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        self.passed_on.append(environ["PATH_INFO"])


class _Probe(PrivacyLogger, _ParentAccess):
    """PrivacyLogger whose ``super().access`` lands in ``_ParentAccess``."""

    def __init__(self, cfg: Config) -> None:
        self.passed_on: list[str] = []
        super().__init__(cfg)


def test_gunicorn_privacy_logger_does_not_call_the_parent_for_reporter_paths() -> None:
    probe = _Probe(Config())
    for method, path in [
        ("POST", "/report/"),
        ("POST", "/access/"),
        ("GET", "/my-report/"),
        ("GET", "/exit/"),
        ("POST", "/api/v1/reports"),
        ("GET", "/api/v1/reporter/report"),
        ("GET", "/healthz"),
        ("GET", "/api/v1/entities"),
    ]:
        _access(probe, method, path)
    assert probe.passed_on == ["/healthz", "/api/v1/entities"]


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


@pytest.mark.parametrize(
    "model_label",
    [
        "reports.Consent",
        "reports.TimelineEntry",
        "audit.AuditEntry",
        "reports.Report",
        "reports.Message",
        "vault.DataKey",
        "vault.KeyWrap",
        "cases.Case",
        "notifications.OutboxMessage",
    ],
)
def test_rows_written_at_submission_carry_no_global_sequence(model_label: str) -> None:
    # A global sequence would place a midnight-stamped submission row between rows with exact
    # times and so date it (found by the HTTP benchmark's schema review).
    from django.apps import apps
    from django.db import models as django_models

    model = apps.get_model(model_label)
    assert isinstance(model._meta.pk, django_models.UUIDField), model_label


def test_expired_reporter_sessions_are_purged_by_the_periodic_task(entity: Any) -> None:
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from portal.tasks import purge_reporter_sessions
    from reports.models import ReporterSession
    from tests.reports.helpers import submit

    body = submit()
    from rest_framework.test import APIClient

    APIClient().post("/api/v1/reporter/session", {"receipt": body["receipt"]}, format="json")
    APIClient().post("/api/v1/reporter/session", {"receipt": body["receipt"]}, format="json")
    first = ReporterSession.objects.order_by("expires_at").first()
    assert first is not None
    ReporterSession.objects.filter(pk=first.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert purge_reporter_sessions() == 1
    assert ReporterSession.objects.count() == 1
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portal.tasks.purge_reporter_sessions" in scheduled


def test_static_files_fetched_by_reporter_pages_are_not_logged() -> None:
    assert (
        DropReporterActivity().filter(
            _server_record("GET /static/js/quick-exit.js HTTP/1.1", "200")
        )
        is False
    )


def test_a_reporter_session_keeps_no_precise_sign_in_time(entity: Any) -> None:
    from reports.models import ReporterSession
    from tests.reports.helpers import sign_in, submit

    sign_in(submit()["receipt"])
    session = ReporterSession.objects.get()
    assert (
        session.absolute_expiry.minute,
        session.absolute_expiry.second,
        session.absolute_expiry.microsecond,
    ) == (0, 0, 0)


def test_a_sent_notification_keeps_only_its_day(entity: Any, make_staff: Any) -> None:
    from notifications.models import OutboxMessage
    from notifications.services import outbox_relay
    from tests.reports.helpers import submit

    make_staff()
    submit()
    OutboxMessage.objects.update(deliver_after="2000-01-01T10:17:00Z")
    assert outbox_relay() == 1
    sent = OutboxMessage.objects.get()
    assert (sent.deliver_after.hour, sent.deliver_after.minute) == (0, 0)
