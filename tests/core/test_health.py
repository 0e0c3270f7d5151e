"""``GET /healthz`` reports the database and the broker, and answers 503 when either is down."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.db.utils import ConnectionHandler
from django.test import Client
from pytest_django import Settings

import core.health

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class OwnRedis:
    """A redis-server this test starts and may kill."""

    def __init__(self, directory: Path) -> None:
        executable = shutil.which("redis-server")
        assert executable, "redis-server is needed for the broker-down test"
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [
                executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 15
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        finally:
            client.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    try:
        yield server
    finally:
        server.kill()


def get_healthz(client: Client) -> tuple[int, dict[str, Any]]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_healthy_with_the_database_and_the_real_broker(client: Client) -> None:
    assert django_settings.REDIS_URL, "the suite runs against real Redis: set REDIS_URL"

    assert get_healthz(client) == (200, {"status": "ok", "database": "ok", "broker": "ok"})


def test_without_redis_tasks_run_eagerly(client: Client, settings: Settings) -> None:
    settings.REDIS_URL = ""

    assert get_healthz(client) == (200, {"status": "ok", "database": "ok", "broker": "eager"})


def test_a_broker_that_goes_down_turns_healthz_to_503(
    client: Client, settings: Settings, own_redis: OwnRedis
) -> None:
    settings.REDIS_URL = own_redis.url
    assert get_healthz(client) == (200, {"status": "ok", "database": "ok", "broker": "ok"})

    own_redis.kill()

    assert get_healthz(client) == (503, {"status": "down", "database": "ok", "broker": "down"})


def test_an_unreachable_database_turns_healthz_to_503(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real connection attempt, with the test database's settings but a port nobody serves.
    unreachable = ConnectionHandler(
        {"default": {**django_settings.DATABASES["default"], "PORT": free_port()}}
    )
    monkeypatch.setattr(core.health, "connection", unreachable["default"])
    try:
        status, body = get_healthz(client)
    finally:
        unreachable.close_all()

    assert (status, body) == (503, {"status": "down", "database": "down", "broker": "ok"})


def test_healthz_is_never_cached(client: Client) -> None:
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_healthz_answers_get_only(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
