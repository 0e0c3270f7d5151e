"""Issue 13, item 4, on every reporter page (``tests.browser.reporter_pages``), in English and
in Arabic: no sideways scrolling at 320 CSS px (a phone, or 1280 px at 400%) nor at 200% zoom of
a 1280 px window; a skip link as the first Tab stop that lands on the content; and a visible
ring wherever the keyboard is."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.conftest import AppServer
from tests.browser.reporter_pages import prefix_of, walk_reporter_pages

pytestmark = pytest.mark.usefixtures("browser_entity")

# (width, device scale): a phone at 320 px, and a 1280 px window zoomed to 200%.
VIEWS = ((320, 2), (640, 2))
LANGUAGES = ("en", "ar")


@pytest.fixture
def new_tab(browser: Browser, app_server: AppServer) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def open_one(width: int, scale: int) -> Page:
        context = browser.new_context(
            base_url=app_server.url,
            viewport={"width": width, "height": 800},
            device_scale_factor=scale,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_one
    for context in contexts:
        context.close()


def _run(page: Page, action: Any) -> None:
    action()
    page.wait_for_load_state()


def _sideways(page: Page) -> int:
    """How far the page reaches past the window's width (0: no sideways scrolling)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_reporter_page_reflows_without_sideways_scrolling(new_tab: Any, code: str) -> None:
    overflowing: dict[tuple[str, int], int] = {}
    checked = 0
    for width, scale in VIEWS:
        for name, page in walk_reporter_pages(
            partial(new_tab, width, scale), prefix_of(code), _run
        ):
            checked += 1
            if _sideways(page) > 0:
                overflowing[(name, width)] = _sideways(page)
    assert overflowing == {}
    assert checked >= 2 * 14


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_skip_link_is_the_first_tab_stop_and_lands_on_the_content(
    new_tab: Any, code: str
) -> None:
    for name, page in walk_reporter_pages(partial(new_tab, 390, 2), prefix_of(code), _run):
        page.locator("body").focus()
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "[document.activeElement.className, getComputedStyle(document.activeElement)"
            ".outlineStyle, document.activeElement.getBoundingClientRect().top]"
        )
        assert focused[0] == "skip-link", name
        # Visible where it is: a ring, and moved into view.
        assert focused[1] != "none", name
        assert focused[2] >= 0, name
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main", name


def test_the_keyboard_s_place_is_always_ringed(new_tab: Any) -> None:
    page = new_tab(390, 2)
    page.goto("/report/")
    page.locator("body").focus()
    styles = []
    for _stop in range(12):
        page.keyboard.press("Tab")
        styles.append(
            page.evaluate(
                "[document.activeElement.tagName, getComputedStyle(document.activeElement)"
                ".outlineStyle, getComputedStyle(document.activeElement).outlineWidth]"
            )
        )
    assert all(style[1] != "none" and style[2] != "0px" for style in styles), styles
