"""The browser suite: Debian's Chromium, driven by Playwright, against gunicorn.

The server under test is the production one: gunicorn with ``config/gunicorn.py``, started once
per session on the suite's own PostgreSQL test database and Redis. Each test commits its data
(``transactional_db``) so that the server's workers see it, and the database is emptied after
the test. Quick exit leaves for a "neutral site" that is a second local server on another
origin, which records the headers each request brought (to prove no referrer leaks).

A missing browser fails the suite: it never skips. ``make test`` installs Chromium when it runs
as root and otherwise stops with the command to run.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

# Playwright's synchronous API runs an event loop in this thread; the tests' own ORM calls
# (creating staff, counting reports) are still plain synchronous calls between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

from accounts.models import Entity, Role
from accounts.services import staff_user_provision
from tests.helpers.gunicorn import gunicorn_serving
from tests.helpers.outages import closed_local_port

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass
class NeutralSite:
    """A stand-in for the quick-exit destination: another origin that records every request."""

    url: str
    requests: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture(scope="session")
def neutral_site() -> Iterator[NeutralSite]:
    port = closed_local_port()
    site = NeutralSite(url=f"http://127.0.0.1:{port}/weather")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.requests.append(
                {"path": self.path, **{k.lower(): v for k, v in self.headers.items()}}
            )
            body = b"<!doctype html><title>Weather</title><h1>Weather today</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()


@dataclass
class AppServer:
    url: str
    log_path: Path


@pytest.fixture(scope="session")
def app_server(
    django_db_setup: Any,
    django_db_blocker: Any,
    neutral_site: NeutralSite,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[AppServer]:
    """gunicorn, as ``make serve`` runs it, on the test database that pytest-django created."""
    port = closed_local_port()
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    url = f"http://127.0.0.1:{port}"
    variables = {
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
        "UPSTANDER_QUICK_EXIT_URL": neutral_site.url,
        "UPSTANDER_BASE_URL": url,
    }
    with gunicorn_serving(url=url, variables=variables, stdout=log_path):
        yield AppServer(url=url, log_path=log_path)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.fail(
            "Chromium is missing. Install it with: apt-get update && apt-get install -y chromium"
        )
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield browser
    browser.close()


@pytest.fixture(params=["js", "no-js"])
def javascript(request: pytest.FixtureRequest) -> bool:
    """Every journey runs twice: as most phones are, and with JavaScript off (or failed to load)."""
    return bool(request.param == "js")


@pytest.fixture
def phone_context(
    browser: Browser, app_server: AppServer, javascript: bool
) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=app_server.url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=javascript,
        locale="en-GB",
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def phone(phone_context: BrowserContext) -> Page:
    """A reporter's phone: 390 px wide, touch, JavaScript on or off by ``javascript``."""
    return phone_context.new_page()


@pytest.fixture
def accessible_phone(browser: Browser, app_server: AppServer) -> Iterator[Page]:
    """A reporter's phone with JavaScript on, for axe (``tests.browser.accessibility``)."""
    context = browser.new_context(
        base_url=app_server.url, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def staff_browser(browser: Browser, app_server: AppServer) -> Iterator[Page]:
    """A focal point's browser: a second, separate profile (no cookie shared with the reporter)."""
    context = browser.new_context(base_url=app_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def browser_entity(transactional_db: Any) -> Any:
    return Entity.objects.create(code="UNW", name="UN Women")


@pytest.fixture
def browser_focal_point(transactional_db: Any, browser_entity: Any) -> Any:
    user, totp_secret = staff_user_provision(
        username="focal.point",
        role=Role.FOCAL_POINT,
        entity=browser_entity,
        password="correct horse battery staple",
    )
    user.totp_secret = totp_secret  # type: ignore[attr-defined]
    return user


def console_errors(page: Page) -> Callable[[], list[str]]:
    """Collects what the page logs as errors (a refused inline script would show up here)."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    return lambda: [error for error in errors if not error.startswith("Failed to load resource")]
