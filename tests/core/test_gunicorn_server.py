"""gunicorn, started with ``config/gunicorn.py`` as production starts it, writes no client
address into its error log when a client sends a malformed request (issue 10, item 7)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.gunicorn import gunicorn_serving
from tests.helpers.outages import closed_local_port

# The mark makes pytest-django create the test database, which gunicorn's start-up check reads.
pytestmark = pytest.mark.django_db

# gunicorn listens on one loopback address and the client comes from another, so that the
# client's address cannot be confused with the server's own in the log.
SERVER_ADDRESS = "127.0.0.2"
CLIENT_ADDRESS = "127.0.0.3"


@dataclass
class Gunicorn:
    port: int
    stderr_path: Path
    stdout_path: Path


@pytest.fixture
def gunicorn(django_db_setup: Any, tmp_path: Path) -> Iterator[Gunicorn]:
    server = Gunicorn(closed_local_port(), tmp_path / "stderr.log", tmp_path / "stdout.log")
    variables = {
        "GUNICORN_BIND": f"{SERVER_ADDRESS}:{server.port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "1",
        "ALLOWED_HOSTS": SERVER_ADDRESS,
    }
    with gunicorn_serving(
        url=f"http://{SERVER_ADDRESS}:{server.port}",
        variables=variables,
        stdout=server.stdout_path,
        stderr=server.stderr_path,
    ):
        yield server


def _send_raw(port: int, raw: bytes) -> bytes:
    with socket.create_connection(
        (SERVER_ADDRESS, port), timeout=5, source_address=(CLIENT_ADDRESS, 0)
    ) as connection:
        connection.sendall(raw)
        answer = b""
        while chunk := connection.recv(4096):
            answer += chunk
    return answer


def _logged(server: Gunicorn, marker: str) -> str:
    """Both logs, once the line containing ``marker`` has been written (gunicorn's worker
    writes it after answering)."""
    deadline = time.monotonic() + 10
    while marker not in server.stderr_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    return server.stderr_path.read_text() + server.stdout_path.read_text()


@pytest.mark.parametrize(
    "malformed",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /access/ HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
    ],
    ids=["request-line", "http-version", "header"],
)
def test_a_malformed_request_is_logged_without_the_clients_address(
    gunicorn: Gunicorn, malformed: bytes
) -> None:
    answer = _send_raw(gunicorn.port, malformed)
    assert answer.startswith(b"HTTP/1.1 400")

    logs = _logged(gunicorn, "Invalid request from ip=")

    assert "Invalid request from ip=[address]" in logs
    assert CLIENT_ADDRESS not in logs
