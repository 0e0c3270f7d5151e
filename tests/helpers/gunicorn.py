"""gunicorn started as ``make serve`` starts it (``config/gunicorn.py``), on the test database
that pytest-django created, for tests that need the production server in front of the app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("gunicorn runs on PostgreSQL here: run the suite through `make test`.")
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@contextmanager
def gunicorn_serving(
    *, url: str, variables: dict[str, str], stdout: Path, stderr: Path | None = None
) -> Iterator[None]:
    """gunicorn with ``variables`` added to this environment, once ``url``/healthz answers;
    its output goes to ``stdout`` (and ``stderr``, or the same file)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        **variables,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    with stdout.open("wb") as out, (stderr or stdout).open("ab") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "config/gunicorn.py"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err if stderr else subprocess.STDOUT,
            start_new_session=True,
        )
    log = stderr or stdout
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited at start:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 (loopback)
                break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not answer within 60 s:\n{log.read_text()}")
            time.sleep(0.2)
    try:
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
