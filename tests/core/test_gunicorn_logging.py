"""gunicorn's access log (``core.gunicorn_logging.PrivacyLogger``) keeps no line of a
reporter's request."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from core.gunicorn_logging import PrivacyLogger


def _privacy_logger_writing(log: str, path: Path) -> Iterator[tuple[PrivacyLogger, Path]]:
    """A PrivacyLogger whose ``log`` ("access" or "error") goes to ``path``; its handlers are
    closed afterwards, since gunicorn's loggers are process-wide."""
    config = Config()
    config.set(f"{log}log", str(path))
    yield PrivacyLogger(config), path
    written = logging.getLogger(f"gunicorn.{log}")
    for handler in list(written.handlers):
        handler.close()
        written.removeHandler(handler)


@pytest.fixture
def gunicorn_access_log(tmp_path: Path) -> Iterator[tuple[PrivacyLogger, Path]]:
    yield from _privacy_logger_writing("access", tmp_path / "access.log")


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


# --- The error log keeps no client address (issue 10, item 7) ---------------------------------


@pytest.fixture
def gunicorn_error_log(tmp_path: Path) -> Iterator[tuple[PrivacyLogger, Path]]:
    yield from _privacy_logger_writing("error", tmp_path / "error.log")


@pytest.mark.parametrize(
    "address", ["198.51.100.23", "2001:db8:1:2::7", "::ffff:198.51.100.23", "fe80::1%eth0"]
)
def test_gunicorn_error_lines_keep_what_failed_but_not_the_clients_address(
    gunicorn_error_log: tuple[PrivacyLogger, Path], address: str
) -> None:
    logger, path = gunicorn_error_log
    # What gunicorn's worker logs for a malformed request (gunicorn.workers.base.handle_error).
    logger.warning(f"Invalid request from ip={address}: Invalid HTTP request line: 'GARBAGE'")
    logger.error("Socket error from %s: %s", (address, 51234), "Connection reset")

    text = path.read_text()
    assert address not in text
    assert "Invalid request from ip=[address]: Invalid HTTP request line: 'GARBAGE'" in text
    assert "Socket error from ('[address]', 51234): Connection reset" in text


def test_gunicorn_error_tracebacks_keep_no_clients_address(
    gunicorn_error_log: tuple[PrivacyLogger, Path],
) -> None:
    logger, path = gunicorn_error_log
    try:
        raise ConnectionError("peer 198.51.100.23 went away")
    except ConnectionError:
        logger.exception("Error handling request (no URI read)")

    text = path.read_text()
    assert "198.51.100.23" not in text
    assert "ConnectionError: peer [address] went away" in text


def test_gunicorn_error_lines_leave_times_and_versions_alone(
    gunicorn_error_log: tuple[PrivacyLogger, Path],
) -> None:
    logger, path = gunicorn_error_log
    logger.info("Booting worker at 10:23:37 with gunicorn 27.0.1")

    assert "Booting worker at 10:23:37 with gunicorn 27.0.1" in path.read_text()
