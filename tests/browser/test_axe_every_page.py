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

from cases.models import Case
from cases.services.transitions import case_transition
from portal.retaliation import check_ins_schedule
from tests.browser.accessibility import axe_violations
from tests.browser.conftest import PHONE, AppServer
from tests.browser.reporter_pages import answer_step, prefix_of, walk_reporter_pages
from tests.helpers.reporter import submit
from tests.helpers.retaliation import closed_months_ago

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


def _closed_with_a_check_in(focal_point: Any) -> str:
    """A report whose case was closed a month ago: its portal shows a check-in and offers the
    survey (the reporter allowed anonymous statistics). Returns its receipt."""
    receipt = submit(consents={"case_review": True, "statistics": True})["receipt"]
    case = Case.objects.get()
    for step in ("acknowledge", "begin_assessment", "close"):
        case_transition(
            case_id=case.pk,
            name=step,
            actor=focal_point,
            note="Closed with the reporter.",
            arguments={"closure_reason": "resolved_informally"},
        )
    closed_months_ago(case, 1, days=1)
    check_ins_schedule()
    return str(receipt)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_pages_after_a_case_and_the_witness_s_code_have_no_axe_violation(
    new_phone: Any, browser_focal_point: Any, javascript: bool
) -> None:
    closed = _closed_with_a_check_in(browser_focal_point)
    witness = submit(reporter_role="witness", affected_person_identifiable=True)["receipt"]
    results: dict[str, list[str]] = {}

    def checked(name: str, page: Page) -> None:
        """axe on the page, and no sideways scrolling at 320 px nor at 200% of 1280 px."""
        results[name] = axe_violations(page)
        for width in (320, 640):
            page.set_viewport_size({"width": width, "height": 800})
            reach = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if reach > 0:
                results[name].append(f"scrolls sideways by {reach} px at {width} px")
        page.set_viewport_size(PHONE)

    for code in ("en", "ar"):
        prefix = prefix_of(code)
        page = new_phone(javascript)
        _signed_in(page, prefix, closed)
        assert page.locator("#survey-title").count() == 1
        assert page.locator("form[action$='check-in']").count() == 1
        checked(f"{code} /my-report/ (check-in, survey offered)", page)
        page.goto(f"{prefix}/my-report/survey")
        checked(f"{code} /my-report/survey", page)
        page = new_phone(javascript)
        _signed_in(page, prefix, str(witness))
        page.locator("form[action$='affected-person-code'] button").click()
        page.wait_for_load_state()
        assert page.locator("#affected-person-code").count() == 1
        checked(f"{code} /my-report/affected-person-code", page)
        page.goto(f"{prefix}/not-ready/")
        answer_step(page)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        assert "/not-ready/thanks/" in page.url, page.url
        checked(f"{code} /not-ready/thanks/", page)
    _write("after", javascript, results)
    assert {name: found for name, found in results.items() if found} == {}


def _signed_in(page: Page, prefix: str, receipt: str) -> None:
    page.goto(f"{prefix}/access/")
    page.locator("main input[name=receipt]").fill(receipt)
    page.locator("main form button").first.click()
    page.wait_for_load_state()
    assert "/my-report/" in page.url, page.url
