"""Issue 12, item 1 in the browser: a bystander reads the five Ds and keeps a dated record of
what they saw, with JavaScript on and off; axe on the page."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from reports.models import Report
from reports.vocabulary import ReporterRole, Route
from tests.browser.accessibility import assert_accessible
from tests.browser.journeys import RECEIPT_PATTERN, send_checked_report

SEEN = "At the lift on Tuesday he blocked her way and commented on her body."


def test_a_bystander_keeps_a_dated_record_of_what_they_saw(
    phone: Page, browser_entity: Any
) -> None:
    browser_entity.focal_point_contact = "Focal point office, ext 5555"
    browser_entity.save(update_fields=["focal_point_contact"])
    phone.goto("/")
    phone.get_by_role("navigation", name="Safety and support").get_by_role(
        "link", name="If you see it happen"
    ).click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("If you see it happen")
    for d in ("Distract", "Delegate", "Document", "Delay", "Direct"):
        expect(phone.get_by_role("heading", level=2, name=d)).to_be_visible()
    expect(phone.get_by_text("Focal point office, ext 5555")).to_be_visible()
    expect(phone.get_by_role("link", name="Support services at UN Women")).to_have_attribute(
        "href", "/support/UNW/"
    )

    phone.get_by_role("link", name="Keep a dated record of what I saw").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("About you")
    expect(phone.get_by_label("I saw or heard it happen to someone else")).to_be_checked()
    phone.get_by_label("Which organisation should receive it?").select_option("UNW")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("What you saw or heard")
    phone.get_by_label("Physical (unwanted touching)").check()
    phone.get_by_label("What did you see or hear?").fill(SEEN)
    phone.get_by_label("No, nobody could tell who it happened to").check()
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_label("No, stay anonymous").check()
    phone.get_by_role("button", name="Continue").click()

    # The route the link chose is shown chosen, on its own page, and can still be changed.
    expect(phone.get_by_role("heading", level=1)).to_have_text("What happens next")
    expect(phone.get_by_label("Just keep a dated record")).to_be_checked()
    phone.get_by_role("button", name="Continue").click()
    # A dated record needs no consent to go ahead: only the statistics question is asked.
    expect(phone.get_by_role("heading", level=1)).to_have_text("What else you may allow")
    phone.get_by_role("button", name="Continue").click()
    if phone.get_by_role("heading", level=1).inner_text().strip() == "The person responsible":
        phone.get_by_role("button", name="Continue").click()
    send_checked_report(phone)

    expect(phone.get_by_role("heading", level=1)).to_have_text("Your report is safely stored")
    assert RECEIPT_PATTERN.match(phone.get_by_label("Receipt").inner_text().strip())
    report = Report.objects.get()
    assert (report.route, report.reporter_role) == (Route.RECORD_ONLY, ReporterRole.WITNESS)
    assert not report.consents.filter(granted=True).exists()


def test_the_upstander_page_has_no_axe_violation(
    accessible_phone: Page, browser_entity: Any
) -> None:
    accessible_phone.goto("/upstander/")
    assert_accessible(accessible_phone)
