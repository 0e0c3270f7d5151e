"""Every page a reporter can open, in one place, and a walk through them in any language: the
pages a GET opens, then the intake step by step, the receipt and the portal. The page-weight,
reflow and accessibility checks of issue 13 all go through it, so a page added here is checked
by all of them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from playwright.sync_api import Page

# The pages a GET opens without anything of the reporter's.
OPEN_PAGES = (
    "/",
    "/report/",
    "/access/",
    "/come-forward/",
    "/not-ready/",
    "/staying-safe/",
    "/upstander/",
    "/support/",
    "/support/UNW/",
)
PORTAL_PAGES = ("/my-report/consent/withdraw?action=case_review", "/my-report/something-happened")
NARRATIVE = "Checked: what happened, written as a reporter would."


def prefix_of(code: str) -> str:
    """The address prefix of a language (none for English)."""
    return "" if code == settings.LANGUAGE_CODE else f"/{code}"


def answer_step(page: Page) -> None:
    """Answers one intake step whatever the language: the first choice of every question left
    unanswered, the organisation, the text asked for."""
    names = page.eval_on_selector_all(
        "main input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
    )
    for name in names:
        if not page.locator(f"main input[type=radio][name='{name}']:checked").count():
            page.locator(f"main input[type=radio][name='{name}']").first.check()
    for select in page.locator("main select").all():
        if not select.input_value():
            select.select_option(index=1)
    for box in page.locator("main textarea").all():
        if not box.input_value():
            box.fill(NARRATIVE)
    for box in page.locator("main input[type=checkbox][required]").all():
        box.check()


def walk_reporter_pages(
    new_page: Callable[[], Page], prefix: str, load: Callable[[Page, Callable[[], object]], None]
) -> Iterator[tuple[str, Page]]:
    """Opens every reporter page in the language of ``prefix``; ``load(page, action)`` runs each
    navigation (to weigh it, say); each page's name and the tab showing it are yielded after."""
    for path in OPEN_PAGES:
        page = new_page()
        load(page, lambda page=page, path=path: page.goto(f"{prefix}{path}"))  # type: ignore[misc]
        yield path, page
    page = new_page()
    load(page, lambda: page.goto(f"{prefix}/report/"))
    yield "/report/ (step 1)", page
    for step in range(2, 14):
        answer_step(page)
        load(page, lambda: page.locator("button[name=next]").click())
        if re.search(r"/report/receipt/$", page.url):
            yield "/report/receipt/", page
            break
        yield f"/report/ (step {step})", page
    else:
        pytest.fail(f"The intake never reached the receipt: {page.url}")
    receipt = page.locator(".receipt").first.inner_text().strip()
    page.goto(f"{prefix}/access/")
    page.locator("main input[name=receipt]").fill(receipt)
    load(page, lambda: page.locator("main form button").first.click())
    assert "/my-report/" in page.url, page.url
    yield "/my-report/", page
    # The portal's own pages, in the same session: asking before a consent is withdrawn, and
    # telling what happened since.
    for path in PORTAL_PAGES:
        load(page, lambda path=path: page.goto(f"{prefix}{path}"))  # type: ignore[misc]
        assert path.split("?")[0] in page.url, page.url
        yield path, page
