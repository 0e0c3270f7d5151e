"""Issue 12, item 5 in the browser: the victims' rights advocate's workspace. She lands on the
cases whose reporter brought her in, follows one without reading what the reporter wrote,
writes to the reporter, raises a rights concern once, and loses the case the moment the
reporter withdraws the consent; axe on her list and case page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Entity, Role, User
from accounts.services import staff_user_provision
from cases.models import Case
from tests.browser.accessibility import assert_accessible
from tests.browser.journeys import PASSWORD, staff_sign_in
from tests.helpers.reporter import consent_change, receipt_of, sign_in

NARRATIVE = "He followed me to my car after the team dinner."


@pytest.fixture
def entity(browser_entity: Entity) -> Entity:
    """The cases (``open_case``) are the browser's entity's."""
    return browser_entity


@pytest.fixture
def advocate(browser_entity: Entity) -> User:
    user, totp_secret = staff_user_provision(
        username="advocate",
        role=Role.VICTIMS_RIGHTS_ADVOCATE,
        entity=browser_entity,
        password=PASSWORD,
    )
    user.totp_secret = totp_secret  # type: ignore[attr-defined]
    return user


def test_the_advocate_follows_a_case_without_its_narrative_and_raises_a_concern_once(
    staff_browser: Page, open_case: Any, advocate: User, browser_focal_point: User
) -> None:
    followed: Case = open_case(consents={"case_review": True, "victims_rights_advocate": True})
    not_followed: Case = open_case(consents={"case_review": True})

    staff_sign_in(staff_browser, advocate)
    expect(staff_browser).to_have_url(re.compile(r"/staff/$"))
    expect(staff_browser.get_by_role("heading", level=1)).to_have_text(
        "Cases you follow as advocate"
    )
    table = staff_browser.get_by_role("table")
    expect(table).to_contain_text(followed.report.reference)
    expect(table).not_to_contain_text(not_followed.report.reference)
    assert_accessible(staff_browser)

    table.get_by_role("link", name=followed.report.reference).click()
    expect(staff_browser.get_by_role("heading", level=1)).to_contain_text("Received")
    expect(staff_browser.get_by_text("The reporter has not shared their report")).to_be_visible()
    expect(staff_browser.get_by_text(NARRATIVE)).to_have_count(0)
    expect(staff_browser.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(staff_browser.get_by_role("button", name="Acknowledge the report")).to_have_count(0)
    assert_accessible(staff_browser)

    staff_browser.get_by_label("Write").fill("I follow your case as advocate. Write to me here.")
    staff_browser.get_by_role("button", name="Send", exact=True).click()
    expect(staff_browser.get_by_text("Message sent to the reporter.")).to_be_visible()
    assert followed.report.messages.filter(author=advocate).count() == 1

    for answer in ("The concern is raised", "This concern was raised already"):
        staff_browser.get_by_label("What the handling does not respect").select_option(
            label="A deadline was missed"
        )
        staff_browser.get_by_role("button", name="Raise the concern").click()
        expect(staff_browser.get_by_text(answer)).to_be_visible()
    assert followed.rights_concerns.count() == 1

    # The reporter withdraws the consent: the case is gone from her at once.
    consent_change(sign_in(receipt_of(followed)), "victims_rights_advocate", granted=False)
    staff_browser.reload()
    expect(staff_browser.get_by_text("The reporter has not shared their report")).to_have_count(0)
    staff_browser.goto("/staff/")
    expect(staff_browser.get_by_role("table")).not_to_contain_text(followed.report.reference)
