"""A long case in the browser (issue 15): the case page shows the latest messages, and a focal
point reaches the earlier ones through a plain link, JavaScript off, the message form still
there on every page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from cases.models import Case
from cases.services.correspondence import staff_message_send
from cases.services.transitions import case_transition
from portal.services import ReportSubmission, report_submit
from tests.browser.journeys import staff_sign_in


@pytest.fixture
def page_without_javascript(browser: Browser, app_server: Any) -> Iterator[Page]:
    context = browser.new_context(
        base_url=app_server.url, viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _long_case(entity: Any, by: Any, messages: int) -> Case:
    submitted = report_submit(
        submission=ReportSubmission(
            entity=entity,
            category="verbal",
            route="informal",
            informal_channel="ombudsperson",
            narrative="He kept commenting on my clothes in team meetings.",
            reporter_role="affected_person",
            identity_disclosure="anonymous",
            identity=None,
            consents={"case_review": True},
        )
    )
    case = Case.objects.get(report=submitted.report)
    case_transition(case_id=case.pk, name="acknowledge", actor=by)
    case = Case.objects.select_related("report").get(pk=case.pk)
    for number in range(messages):
        staff_message_send(case=case, actor=by, body=f"Message number {number}.")
    return case


def test_a_focal_point_follows_earlier_messages_on_a_long_case_without_javascript(
    page_without_javascript: Page, browser_entity: Any, browser_focal_point: Any
) -> None:
    case = _long_case(browser_entity, browser_focal_point, messages=55)
    page = page_without_javascript

    staff_sign_in(page, browser_focal_point)
    page.goto(f"/staff/cases/{case.pk}/")
    expect(page.get_by_text("Message number 54.", exact=True)).to_be_visible()
    expect(page.get_by_text("Message number 4.", exact=True)).to_have_count(0)

    page.get_by_role("link", name="Earlier messages").click()

    expect(page.get_by_text("Message number 4.", exact=True)).to_be_visible()
    expect(page.get_by_text("Message number 0.", exact=True)).to_be_visible()
    expect(page.get_by_text("Message number 5.", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Earlier messages")).to_have_count(0)
    expect(page.get_by_role("link", name="Back to the latest")).to_have_count(1)
    # The focal point can still write from here.
    page.get_by_label("Write").fill("We have read everything you sent.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Message sent to the reporter.")).to_be_visible()
    # Sent, they are back on the latest messages, their own last.
    expect(page.get_by_text("We have read everything you sent.")).to_be_visible()
    expect(page.get_by_text("Message number 54.", exact=True)).to_be_visible()
