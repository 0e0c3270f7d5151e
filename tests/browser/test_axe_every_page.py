"""axe-core over every reporter page (``tests.browser.reporter_pages``), in English and in
Arabic, with JavaScript on and off: no violation of WCAG 2.1 A and AA (issue 13, item 4).

axe runs as a script in the page, so "JavaScript off" is the page with every script of ours
refused (the templates have no ``<noscript>``, so the page is then exactly what a browser
without JavaScript shows); axe itself is injected through the debugging protocol. The results
are written, page by page, to the file ``UPSTANDER_AXE_REPORT`` names, when it does."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from tests.browser.accessibility import axe_violations
from tests.browser.conftest import PHONE, AppServer
from tests.browser.reporter_pages import prefix_of, walk_reporter_pages

pytestmark = pytest.mark.usefixtures("browser_entity")


@pytest.fixture
def new_phone(browser: Browser, app_server: AppServer) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def open_one(javascript: bool) -> Page:
        context = browser.new_context(
            base_url=app_server.url, viewport=PHONE, is_mobile=True, has_touch=True
        )
        context.set_default_timeout(15_000)
        if not javascript:
            context.route("**/*.js", _refuse)
        contexts.append(context)
        return context.new_page()

    yield open_one
    for context in contexts:
        context.close()


def _refuse(route: Route) -> None:
    route.abort()


def _run(page: Page, action: Any) -> None:
    action()
    page.wait_for_load_state()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("code", ["en", "ar"])
def test_every_reporter_page_has_no_axe_violation(
    new_phone: Any, code: str, javascript: bool
) -> None:
    results: dict[str, list[str]] = {}
    for name, page in walk_reporter_pages(lambda: new_phone(javascript), prefix_of(code), _run):
        results[name] = axe_violations(page)
    _write(code, javascript, results)
    assert {name: found for name, found in results.items() if found} == {}
    assert len(results) >= 14


def _write(code: str, javascript: bool, results: dict[str, list[str]]) -> None:
    target = os.environ.get("UPSTANDER_AXE_REPORT")
    if not target:
        return
    path = Path(target)
    known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    known[f"{code} {'js' if javascript else 'no-js'}"] = {
        name: len(found) for name, found in results.items()
    }
    path.write_text(json.dumps(known, indent=1), encoding="utf-8")
