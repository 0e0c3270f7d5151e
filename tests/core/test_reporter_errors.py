"""A reporter-side failure leaves one log line naming the class of path, the status and the day:
no time, no address, no path (``core.reporter_errors``; issue 10, item 7)."""

from __future__ import annotations

import io
import logging
import re
import uuid
from collections.abc import Callable, Iterator

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from core.reporter_errors import ReporterErrorLogMiddleware
from reports.receipts import receipt_new
from tests.helpers.outages import unreachable_cache

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.45"
TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")


@pytest.fixture
def reporter_error_lines() -> Iterator[Callable[[], list[str]]]:
    """The lines the configured handler writes (settings.LOGGING), exactly as formatted."""
    # pytest adds its own capturing handlers beside the one settings.LOGGING configured.
    [handler] = [
        handler
        for handler in logging.getLogger("upstander.reporter_errors").handlers
        if type(handler) is logging.StreamHandler
    ]
    written = io.StringIO()
    previous = handler.setStream(written)
    yield lambda: written.getvalue().splitlines()
    handler.setStream(previous)


def _assert_undated_and_anonymous(line: str, *, path_class: str, status: int) -> None:
    assert f"day={timezone.now().date().isoformat()}" in line
    assert f"path={path_class}" in line
    assert f"status={status}" in line
    assert not TIME_OF_DAY.search(line), line
    assert ADDRESS not in line
    assert "127.0.0.1" not in line


def test_an_outage_on_the_receipt_page_leaves_one_undated_line_without_address_or_path(
    reporter_error_lines: Callable[[], list[str]],
) -> None:
    receipt = receipt_new()
    with override_settings(CACHES=unreachable_cache()):
        response = Client(REMOTE_ADDR=ADDRESS).post("/access/", {"receipt": receipt})
    assert response.status_code == 503

    [line] = reporter_error_lines()
    _assert_undated_and_anonymous(line, path_class="portal:access", status=503)
    assert "/access/" not in line
    assert receipt not in line


def test_an_outage_on_the_receipt_api_is_logged_by_its_url_name(
    reporter_error_lines: Callable[[], list[str]],
) -> None:
    with override_settings(CACHES=unreachable_cache()):
        response = Client(REMOTE_ADDR=ADDRESS).post(
            "/api/v1/reporter/session", {"receipt": receipt_new()}, "application/json"
        )
    assert response.status_code == 503

    [line] = reporter_error_lines()
    _assert_undated_and_anonymous(line, path_class="api-reporter-session", status=503)


def test_a_rate_limit_refusal_is_logged_and_the_failed_guesses_before_it_are_not(
    reporter_error_lines: Callable[[], list[str]],
) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    for _ in range(5):
        assert client.post("/access/", {"receipt": receipt_new()}).status_code == 401
    assert reporter_error_lines() == []

    assert client.post("/access/", {"receipt": receipt_new()}).status_code == 429

    [line] = reporter_error_lines()
    _assert_undated_and_anonymous(line, path_class="portal:access", status=429)


def test_a_server_error_under_a_path_holding_an_id_names_the_url_not_the_id(
    reporter_error_lines: Callable[[], list[str]],
) -> None:
    attachment = uuid.uuid4()
    request = RequestFactory().get(f"/api/v1/reporter/attachments/{attachment}")
    request.META["REMOTE_ADDR"] = ADDRESS

    def fails(_: HttpRequest) -> HttpResponse:
        return HttpResponse(status=500)

    ReporterErrorLogMiddleware(fails)(request)

    [line] = reporter_error_lines()
    _assert_undated_and_anonymous(line, path_class="api-reporter-attachment", status=500)
    assert str(attachment) not in line


def test_a_path_that_names_no_url_is_logged_as_unresolved(
    reporter_error_lines: Callable[[], list[str]],
) -> None:
    request = RequestFactory().get("/my-report/2345-6789-ABCD-EFGH-JKMN/unknown")

    ReporterErrorLogMiddleware(lambda _: HttpResponse(status=502))(request)

    [line] = reporter_error_lines()
    _assert_undated_and_anonymous(line, path_class="unresolved", status=502)
    assert "2345" not in line


@pytest.mark.usefixtures("entity")
def test_staff_failures_and_successful_reporter_requests_leave_no_reporter_line(
    reporter_error_lines: Callable[[], list[str]],
) -> None:
    with override_settings(CACHES=unreachable_cache()):
        staff = Client().post("/staff/login/", {"username": "x", "password": "y", "otp": "1"})
    assert staff.status_code == 503
    assert Client().get("/report/").status_code == 200

    assert reporter_error_lines() == []
