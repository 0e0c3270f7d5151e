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
