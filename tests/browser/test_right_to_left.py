"""An Arabic page is the mirror image of the English one (issue 13, item 2), measured in
Chromium: what sits at the left in English sits at the right in Arabic. The screenshots of both
are kept in the test's temporary folder for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import PHONE, AppServer
from tests.helpers.gunicorn import gunicorn_serving
from tests.helpers.outages import closed_local_port

WIDTH = PHONE["width"]


@pytest.fixture(scope="module")
def arabic_server(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppServer]:
    """gunicorn as in ``app_server``, with Arabic offered (``tests.browser.arabic_settings``)."""
    port = closed_local_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("gunicorn-ar") / "gunicorn.log"
    variables = {
        "DJANGO_SETTINGS_MODULE": "tests.browser.arabic_settings",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        "UPSTANDER_BASE_URL": url,
    }
    with gunicorn_serving(url=url, variables=variables, stdout=log_path):
        yield AppServer(url=url, log_path=log_path)


def left_and_right(page: Page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["x"], box["x"] + box["width"]


def report_start_page(browser: Browser, server: AppServer, path: str, screenshot: Path) -> Page:
    context = browser.new_context(base_url=server.url, viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.goto(path)
    page.screenshot(path=str(screenshot), full_page=True)
    return page


@pytest.mark.usefixtures("browser_entity")
def test_the_report_start_page_in_arabic_mirrors_the_english_one(
    browser: Browser, arabic_server: AppServer, tmp_path: Path
) -> None:
    english = report_start_page(browser, arabic_server, "/report/", tmp_path / "report-en.png")
    arabic = report_start_page(browser, arabic_server, "/ar/report/", tmp_path / "report-ar.png")

    assert english.locator("html").get_attribute("dir") == "ltr"
    assert arabic.locator("html").get_attribute("dir") == "rtl"
    assert arabic.locator("html").get_attribute("lang") == "ar"
    # The name of the service (header), the first radio button (a choice) and the quick exit.
    for selector in (".brand", ".choice input", ".quick-exit-button"):
        en_left, _en_right = left_and_right(english, selector)
        _ar_left, ar_right = left_and_right(arabic, selector)
        # Each starts at the same distance from the opposite edge, to the pixel (its other
        # edge follows its text, which is Arabic on the Arabic page).
        assert abs(en_left - (WIDTH - ar_right)) <= 1, (selector, en_left, ar_right)
    # What starts at the left in English (the service's name, the radio buttons) ends at the
    # right in Arabic.
    for selector in (".brand", ".choice input"):
        assert (
            left_and_right(english, selector)[1] < WIDTH / 2 < left_and_right(arabic, selector)[0]
        )
    for name in ("report-en.png", "report-ar.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert (tmp_path / "report-en.png").read_bytes() != (tmp_path / "report-ar.png").read_bytes()
