"""Issue 11 in the browser: staying safe and support without a report, the receipt copied,
saved and printed, and withdrawing a consent with a confirmation; axe on the new pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from referrals.models import ServiceEntry, ServiceKind
from tests.browser.accessibility import assert_accessible
from tests.browser.journeys import file_report, open_portal

NARRATIVE = "He kept standing too close at the printer."
STATISTICS = "My report also counts in finer anonymous statistics"


def _staying_safe_linked(page: Page) -> None:
    link = page.get_by_role("navigation", name="Safety and support").get_by_role(
        "link", name="Staying safe"
    )
    expect(link).to_have_attribute("href", "/staying-safe/")


def test_staying_safe_is_linked_from_every_reporter_page_and_says_how_to_leave(
    phone: Page, browser_entity: Any
) -> None:
    for path in ("/", "/report/", "/access/", "/support/"):
        phone.goto(path)
        _staying_safe_linked(phone)
    receipt = file_report(phone, narrative=NARRATIVE)
    _staying_safe_linked(phone)
    open_portal(phone, receipt)
    _staying_safe_linked(phone)

    phone.get_by_role("link", name="Staying safe").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Staying safe")
    expect(phone.get_by_role("heading", name="Quick exit")).to_be_visible()
    expect(phone.get_by_text("pressing Esc when you are not typing")).to_be_visible()
    expect(phone.get_by_text("after 15 minutes without activity")).to_be_visible()


def test_the_support_directory_is_readable_without_making_a_report(
    phone: Page, browser_entity: Any
) -> None:
    ServiceEntry.objects.create(
        entity=browser_entity,
        kind=ServiceKind.STAFF_COUNSELLOR,
        name="Staff Counsellor",
        contact="+41 22 000 00 00",
    )
    phone.goto("/")
    phone.get_by_role("link", name="Support without reporting").click()
    phone.get_by_role("link", name="UN Women").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Support at UN Women")
    expect(phone.get_by_role("heading", name="Staff counsellor")).to_be_visible()
    expect(phone.get_by_text("+41 22 000 00 00")).to_be_visible()


def test_the_receipt_is_saved_as_a_file_and_the_printed_page_says_where_to_use_it(
    phone: Page, browser_entity: Any, javascript: bool, tmp_path: Path
) -> None:
    receipt = file_report(phone, narrative=NARRATIVE)

    with phone.expect_download() as downloading:
        phone.get_by_role("button", name="Save as a file").click()
    download = downloading.value
    assert download.suggested_filename == "receipt.txt"
    saved = tmp_path / "receipt.txt"
    download.save_as(saved)
    text = saved.read_text()
    assert receipt in text
    assert re.search(r"open http://127\.0\.0\.1:\d+/access/", text)
    # The copy button is an enhancement: shown only where its script runs.
    expect(phone.get_by_role("button", name="Copy receipt")).to_be_visible(visible=javascript)

    phone.emulate_media(media="print")
    expect(phone.get_by_label("Receipt")).to_have_text(receipt)
    expect(phone.get_by_text("Where to use it: open")).to_be_visible()
    expect(phone.get_by_role("button", name="Save as a file")).to_be_hidden()


def test_the_receipt_is_copied_and_breaks_only_between_its_groups(
    accessible_phone: Page, browser_entity: Any
) -> None:
    accessible_phone.context.grant_permissions(["clipboard-read", "clipboard-write"])
    receipt = file_report(accessible_phone, narrative=NARRATIVE)
    assert_accessible(accessible_phone)

    accessible_phone.get_by_role("button", name="Copy receipt").click()
    expect(accessible_phone.get_by_role("status")).to_have_text("Receipt copied.")
    assert accessible_phone.evaluate("navigator.clipboard.readText()") == receipt

    # On a narrow screen with a large font no group is split across lines.
    # (Set through the CSSOM: the page's policy refuses an inline style sheet.)
    accessible_phone.locator(".receipt").evaluate("r => { r.style.fontSize = '3rem'; }")
    groups = accessible_phone.locator(".receipt-group")
    expect(groups).to_have_count(5)
    lines = [groups.nth(i).evaluate("g => g.getClientRects().length") for i in range(5)]
    assert lines == [1, 1, 1, 1, 1]
    tops = {round(groups.nth(i).bounding_box()["y"]) for i in range(5)}  # type: ignore[index]
    assert len(tops) > 1, "the receipt should wrap at this size, between groups"


def test_withdrawing_a_consent_asks_first_and_says_what_will_stop(
    phone: Page, browser_entity: Any
) -> None:
    receipt = file_report(phone, narrative=NARRATIVE)
    open_portal(phone, receipt)
    row = phone.get_by_role("row").filter(has_text=STATISTICS)
    row.get_by_role("button", name="Give consent").click()
    expect(phone.get_by_text("Your choice is recorded.")).to_be_visible()

    row = phone.get_by_role("row").filter(has_text=STATISTICS)
    row.get_by_role("button", name="Withdraw").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Withdraw your consent?")
    expect(phone.get_by_role("heading", name="What will stop")).to_be_visible()
    expect(phone.get_by_text("leave the finer statistics")).to_be_visible()
    phone.get_by_role("button", name="Yes, withdraw my consent").click()

    expect(phone.get_by_text("Your choice is recorded.")).to_be_visible()
    row = phone.get_by_role("row").filter(has_text=STATISTICS)
    expect(row.get_by_role("cell").nth(1)).to_have_text("No")


@pytest.mark.parametrize("path", ["/staying-safe/", "/support/", "/support/UNW/"])
def test_the_safety_and_support_pages_have_no_axe_violation(
    accessible_phone: Page, browser_entity: Any, path: str
) -> None:
    ServiceEntry.objects.create(
        entity=browser_entity, kind=ServiceKind.MEDICAL, name="Medical Service", contact="ext 7"
    )
    accessible_phone.goto(path)
    assert_accessible(accessible_phone)


def test_the_portal_and_the_withdrawal_confirmation_have_no_axe_violation(
    accessible_phone: Page, browser_entity: Any
) -> None:
    receipt = file_report(accessible_phone, narrative=NARRATIVE)
    open_portal(accessible_phone, receipt)
    assert_accessible(accessible_phone)
    row = accessible_phone.get_by_role("row").filter(has_text="A focal point reviews my report")
    row.get_by_role("button", name="Withdraw").click()
    expect(accessible_phone.get_by_role("heading", level=1)).to_have_text("Withdraw your consent?")
    assert_accessible(accessible_phone)
