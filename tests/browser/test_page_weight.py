"""Low bandwidth stays (issue 13, item 5): every reporter page, in every language offered, is at
most 100 KB in total transfer from an empty cache, and no web font is ever downloaded (system
fonts serve Arabic and Chinese too).

What is counted is what the browser actually received for the page and everything it loaded:
each response's headers and its body as sent (compressed where the server compresses), from
Chromium's own accounting (``Request.sizes()``). The figures are printed (``pytest -s``) and,
when ``UPSTANDER_PAGE_WEIGHT_REPORT`` names a file, written there as JSON."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, Response

from tests.browser.conftest import PHONE, AppServer
from tests.browser.reporter_pages import OPEN_PAGES, prefix_of, walk_reporter_pages

pytestmark = pytest.mark.usefixtures("browser_entity")

LIMIT = 100 * 1024
STATIC = Path(__file__).resolve().parents[2] / "static"


# Each file's size as it came over the network the first time it was loaded: a later page
# that takes it from the browser's memory (Chromium reports no body for it then) is weighed as
# if it had come again, so every page is weighed from an empty cache.
FIRST_SEEN: dict[str, int] = {}


@dataclass
class Weighed:
    """What one page load received."""

    responses: list[Response] = field(default_factory=list)

    def total(self) -> int:
        total = 0
        for response in self.responses:
            sizes = response.request.sizes()
            body = sizes["responseBodySize"]
            if body > 0:
                FIRST_SEEN.setdefault(response.url, sizes["responseHeadersSize"] + body)
                total += sizes["responseHeadersSize"] + body
            else:
                total += FIRST_SEEN.get(response.url, sizes["responseHeadersSize"])
        return total

    def fonts(self) -> list[str]:
        return [r.url for r in self.responses if r.request.resource_type == "font"]


@pytest.fixture
def fresh_phone(browser: Browser, app_server: AppServer) -> Iterator[Any]:
    """A new phone for each language's journey: nothing cached, no cookie."""
    contexts: list[BrowserContext] = []

    def new() -> Page:
        context = browser.new_context(
            base_url=app_server.url, viewport=PHONE, is_mobile=True, has_touch=True
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()


def _weigh(page: Page, action: Any) -> Weighed:
    """Runs ``action`` (a navigation or a submit) and weighs everything it brought in."""
    weighed = Weighed()

    def received(response: Response) -> None:
        weighed.responses.append(response)

    page.on("response", received)
    action()
    page.wait_for_load_state("networkidle")
    page.remove_listener("response", received)
    return weighed


def test_every_reporter_page_in_every_language_is_at_most_100_kb(fresh_phone: Any) -> None:
    figures: dict[str, dict[str, int]] = {}
    fonts: list[str] = []
    weighed: list[Weighed] = []

    def load(page: Page, action: Any) -> None:
        weighed.append(_weigh(page, action))

    for code, _name in settings.LANGUAGES:
        figures[code] = {}
        for name, page in walk_reporter_pages(fresh_phone, prefix_of(code), load):
            assert page.locator("html").get_attribute("lang") == code
            figures[code][name] = weighed[-1].total()
            fonts += weighed[-1].fonts()

    _report(figures)
    # The accounting counts what came: every page brings its HTML, styles and scripts.
    assert min(size for pages in figures.values() for size in pages.values()) > 5 * 1024
    assert fonts == []
    over = {
        (code, path): size
        for code, pages in figures.items()
        for path, size in pages.items()
        if size > LIMIT
    }
    assert over == {}
    # Every page was weighed in every language (the intake's steps and the portal included).
    assert all(len(pages) >= len(OPEN_PAGES) + 5 for pages in figures.values()), figures


def test_the_stylesheets_use_system_fonts_only() -> None:
    for sheet in STATIC.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        assert "@font-face" not in text, sheet
        assert not re.search(r"url\([^)]*\.(woff2?|ttf|otf|eot)", text), sheet
        for stack in re.findall(r"font-family:\s*([^;]+);", text):
            assert re.search(r"system-ui|sans-serif|serif|monospace|var\(--", stack), (sheet, stack)


def _report(figures: dict[str, dict[str, int]]) -> None:
    lines = [f"{'page':28} " + " ".join(f"{code:>8}" for code in figures)]
    for path in next(iter(figures.values())):
        sizes = [figures[code].get(path) for code in figures]
        lines.append(
            f"{path:28} "
            + " ".join(f"{size / 1024:7.1f}K" if size else f"{'-':>8}" for size in sizes)
        )
    print("\n".join(lines))
    target = os.environ.get("UPSTANDER_PAGE_WEIGHT_REPORT")
    if target:
        Path(target).write_text(json.dumps(figures, indent=1), encoding="utf-8")
