"""The whole intake by keyboard alone (issue 13, item 4): from the home page to the receipt with
Tab, Space, the arrow keys, typing and Enter, never a click; the skip link is the first stop, and
wherever the keyboard is, a ring shows it. In English and in Arabic (right to left)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import PHONE, AppServer
from tests.browser.journeys import RECEIPT_PATTERN
from tests.browser.reporter_pages import NARRATIVE, prefix_of

pytestmark = pytest.mark.usefixtures("browser_entity")

# What the keyboard is on: its kind, whether it still needs an answer, and whether it is ringed.
FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  const group = e.type === 'radio'
    ? !document.querySelector(`input[type=radio][name="${e.name}"]:checked`) : false;
  return {
    tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '',
    className: e.className || '', empty: 'value' in e ? !e.value : false,
    required: !!e.required, unanswered: group,
    ringed: style.outlineStyle !== 'none' && style.outlineWidth !== '0px',
  };
}"""


@pytest.fixture
def keyboard_phone(browser: Browser, app_server: AppServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=app_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _answer_by_keyboard(page: Page, unringed: list[str]) -> None:
    """Tabs through the step, answering what is unanswered, then presses Enter on Continue."""
    for _stop in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if not focused["ringed"]:
            unringed.append(f"{page.url} {focused['tag']} {focused['name']}")
        if focused["tag"] == "button" and focused["name"] == "next":
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return
        if focused["type"] == "radio" and focused["unanswered"]:
            page.keyboard.press("Space")
        elif focused["tag"] == "select" and focused["empty"]:
            page.keyboard.press("ArrowDown")
        elif focused["tag"] == "textarea" and focused["empty"]:
            page.keyboard.type(NARRATIVE)
        elif focused["type"] == "checkbox" and focused["required"]:
            page.keyboard.press("Space")
    pytest.fail(f"No Continue button reached by Tab on {page.url}")


@pytest.mark.parametrize("code", ["en", "ar"])
def test_the_whole_intake_by_keyboard_alone(keyboard_phone: Page, code: str) -> None:
    page = keyboard_phone
    page.goto(f"{prefix_of(code)}/")
    # The skip link first, then on to "Make a report"
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["className"] == "skip-link"
    for _stop in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href') || ''").endswith("/report/"):
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"{prefix_of(code)}/report/")

    unringed: list[str] = []
    for _step in range(14):
        if page.url.endswith("/report/receipt/"):
            break
        _answer_by_keyboard(page, unringed)
    assert page.url.endswith("/report/receipt/"), page.url
    assert RECEIPT_PATTERN.match(page.locator(".receipt").first.inner_text().strip())
    assert unringed == []
