"""The witness's own path and overrides on grounds, in the browser (issue 12).

A witness files a report saying the person it happened to can be identified, and passes on a
code; that person comes forward with a report of their own, links it and consents; the focal
point then escalates the witness's case. And an override on a ground, requested and approved by
two focal points, read by the reporter in their portal with its ground."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import Role
from accounts.services import staff_user_provision
from cases.models import Case
from cases.services.referring import case_refer
from cases.services.transitions import case_transition
from referrals.models import ServiceEntry
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import PHONE, AppServer
from tests.browser.journeys import (
    PASSWORD,
    RECEIPT_PATTERN,
    answer_route_step,
    file_report,
    open_portal,
    send_checked_report,
    staff_sign_in,
)

WITNESS_ACCOUNT = "I saw our team leader corner a colleague in the archive room twice."
AFFECTED_ACCOUNT = "My team leader cornered me in the archive room, twice in March."
JUSTIFICATION = "Three other reports name the same team leader; others remain at risk daily."


@pytest.fixture
def reporter_pages(browser: Browser, app_server: AppServer) -> Iterator[Any]:
    """Separate phones (no cookie shared): each call gives a new one."""
    contexts = []

    def new_phone() -> Page:
        context = browser.new_context(
            base_url=app_server.url, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield new_phone
    for context in contexts:
        context.close()


def _second_focal_point(entity: Any) -> Any:
    second, totp_secret = staff_user_provision(
        username="second.focal", role=Role.FOCAL_POINT, entity=entity, password=PASSWORD
    )
    second.totp_secret = totp_secret  # type: ignore[attr-defined]
    return second


def _file_as_witness(page: Page) -> str:
    page.goto("/report/")
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    page.get_by_label("I saw or heard it happen to someone else").check()
    page.get_by_label("Which organisation should receive it?").select_option("UNW")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What you saw or heard")
    page.get_by_label("Physical (unwanted touching)").check()
    page.get_by_label("What did you see or hear?").fill(WITNESS_ACCOUNT)
    page.get_by_label("Yes, someone could tell who it happened to").check()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("No, stay anonymous").check()
    page.get_by_role("button", name="Continue").click()
    answer_route_step(
        page,
        consents=(
            "A focal point reviews my report",
            "A formal investigation is opened",
        ),
    )
    send_checked_report(page)
    receipt = page.get_by_label("Receipt").inner_text().strip()
    assert RECEIPT_PATTERN.match(receipt), receipt
    return receipt


def test_a_witness_passes_on_a_code_the_affected_person_comes_forward_and_the_case_escalates(
    reporter_pages: Any, staff_browser: Page, browser_entity: Any, browser_focal_point: Any
) -> None:
    # The witness files, saying the person it happened to can be identified
    witness = reporter_pages()
    witness_receipt = _file_as_witness(witness)
    case = Case.objects.get()
    assert case.report.affected_person_identifiable == "yes"
    for step in ("acknowledge", "begin_assessment"):
        case_transition(case_id=case.pk, name=step, actor=browser_focal_point)

    # The focal point cannot escalate on the witness's consent alone
    staff_sign_in(staff_browser, browser_focal_point)
    staff_browser.goto(f"/staff/cases/{case.pk}/")
    expect(staff_browser.get_by_text("has not come forward")).to_be_visible()
    expect(staff_browser.get_by_role("button", name="Escalate to a formal review")).to_be_disabled()
    expect(
        staff_browser.get_by_text("the affected person's own agreement (the reporter is a witness)")
    ).to_be_visible()

    # The witness takes a code in their portal
    open_portal(witness, witness_receipt)
    witness.get_by_role("button", name="Get a code to pass on").click()
    expect(witness.get_by_role("heading", level=1)).to_have_text("A code to pass on")
    assert_accessible(witness)
    code = witness.locator("#affected-person-code").inner_text().strip()
    assert RECEIPT_PATTERN.match(code)
    assert code != witness_receipt

    # The person it happened to reads what it means, makes a report of their own
    affected = reporter_pages()
    affected.goto("/come-forward/")
    expect(affected.get_by_role("heading", level=1)).to_have_text("Someone gave you a code")
    assert_accessible(affected)
    own_receipt = file_report(affected, narrative=AFFECTED_ACCOUNT)
    # ... links it, agreeing, and consents to a formal investigation
    open_portal(affected, own_receipt)
    affected.get_by_label("The code you were given").fill(code)
    affected.get_by_label("I agree to link my report to the witness's report").check()
    affected.get_by_role("button", name="Link my report").click()
    expect(affected.get_by_text("Your report is linked to the witness's.")).to_be_visible()
    row = affected.get_by_role("row").filter(has_text="A formal investigation is opened")
    row.get_by_role("button", name="Give consent").click()
    expect(affected.get_by_text("Your choice is recorded.")).to_be_visible()

    # The focal point now escalates the witness's case
    staff_browser.goto(f"/staff/cases/{case.pk}/")
    expect(staff_browser.get_by_text("Came forward with a report of their own")).to_be_visible()
    staff_browser.get_by_role("button", name="Escalate to a formal review").click()
    expect(staff_browser.get_by_role("heading", level=1)).to_contain_text("Formal review")

    # And the witness reads that the person came forward
    witness.goto("/my-report/")
    expect(witness.get_by_text("The person it happened to came forward").first).to_be_visible()


def test_an_override_on_a_ground_is_approved_by_two_and_the_reporter_reads_the_ground(
    reporter_pages: Any, staff_browser: Page, browser_entity: Any, browser_focal_point: Any
) -> None:
    reporter = reporter_pages()
    receipt = file_report(reporter, narrative=AFFECTED_ACCOUNT)
    case = Case.objects.get()
    for step in ("acknowledge", "begin_assessment"):
        case_transition(case_id=case.pk, name=step, actor=browser_focal_point)
    second = _second_focal_point(browser_entity)
    page = staff_browser

    # One focal point asks, naming the ground
    staff_sign_in(page, browser_focal_point)
    page.goto(f"/staff/cases/{case.pk}/")
    page.get_by_label("Step", exact=True).select_option(label="Escalate to a formal review")
    page.get_by_label("A pattern of reports about the same person").check()
    page.get_by_label("Justification (at least 20 characters)").fill(JUSTIFICATION)
    page.get_by_role("button", name="Request an override").click()
    expect(page.get_by_text("Override requested.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The second reads the ground and the justification, then approves
    staff_sign_in(page, second)
    page.goto(f"/staff/cases/{case.pk}/")
    expect(page.locator(".override-ground")).to_have_text(
        "A pattern of reports about the same person"
    )
    expect(page.get_by_text(JUSTIFICATION)).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile("I have read the ground and the justification")).check()
    page.get_by_role("button", name="Approve the override").click()
    expect(page.locator(".notice-success")).to_contain_text("Override approved")

    # Before the step runs, the reporter reads the ground in the portal
    open_portal(reporter, receipt)
    expect(
        reporter.get_by_text(re.compile("on this ground: a pattern: other reports concern")).first
    ).to_be_visible()
    expect(reporter.get_by_text(JUSTIFICATION).first).to_be_visible()
    assert Case.objects.get(pk=case.pk).state == "assessment"
    page.get_by_role("button", name="Escalate to a formal review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Formal review")


def test_the_witness_s_account_reaches_the_ombudsperson_only_on_an_override_the_witness_reads(
    reporter_pages: Any, staff_browser: Page, browser_entity: Any, browser_focal_point: Any
) -> None:
    # (the entity's second focal point, whom the report's key reaches as it reaches the first)
    second = _second_focal_point(browser_entity)
    # The witness files about someone who can be identified, and agrees to the ombudsperson
    witness = reporter_pages()
    receipt = _file_as_witness(witness)
    open_portal(witness, receipt)
    row = witness.get_by_role("row").filter(has_text="My report is shared with the ombudsperson")
    row.get_by_role("button", name="Give consent").click()
    expect(witness.get_by_text("Your choice is recorded.")).to_be_visible()
    case = Case.objects.get()
    ombudsperson, totp_secret = staff_user_provision(
        username="ombuds.person", role=Role.OMBUDSPERSON, entity=browser_entity, password=PASSWORD
    )
    ombudsperson.totp_secret = totp_secret  # type: ignore[attr-defined]
    ServiceEntry.objects.create(
        entity=browser_entity, kind="ombudsperson", name="Ombudsperson", staff_user=ombudsperson
    )
    case_refer(case=case, actor=browser_focal_point, service="ombudsperson")

    # The ombudsperson sees the case, and why she does not read the witness's account
    ombudsperson_page = reporter_pages()
    staff_sign_in(ombudsperson_page, ombudsperson)
    ombudsperson_page.goto(f"/staff/cases/{case.pk}/")
    expect(ombudsperson_page.locator("#withheld-for-affected-person")).to_be_visible()
    expect(ombudsperson_page.get_by_text(WITNESS_ACCOUNT)).to_have_count(0)
    assert_accessible(ombudsperson_page)

    # One focal point asks to share it beyond the focal points, on a ground
    page = staff_browser
    staff_sign_in(page, browser_focal_point)
    page.goto(f"/staff/cases/{case.pk}/")
    expect(
        page.get_by_role("button", name="Share the report beyond the focal points")
    ).to_be_disabled()
    page.get_by_label("Step", exact=True).select_option(
        label="Share the report beyond the focal points"
    )
    page.get_by_label("The organisation's duty of care").check()
    page.get_by_label("Justification (at least 20 characters)").fill(JUSTIFICATION)
    page.get_by_role("button", name="Request an override").click()
    expect(page.get_by_text("Override requested.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    # A second one approves
    staff_sign_in(page, second)
    page.goto(f"/staff/cases/{case.pk}/")
    expect(page.get_by_text("without the agreement of the person it happened to")).to_be_visible()
    page.get_by_label(re.compile("I have read the ground and the justification")).check()
    page.get_by_role("button", name="Approve the override").click()
    expect(page.locator(".notice-success")).to_contain_text("Override approved")

    # The witness reads what was done and on which ground
    witness.goto("/my-report/")
    expect(
        witness.get_by_text(re.compile("sharing your report beyond the focal points")).first
    ).to_be_visible()
    # And the ombudsperson now reads the account
    ombudsperson_page.goto(f"/staff/cases/{case.pk}/")
    expect(ombudsperson_page.get_by_text(WITNESS_ACCOUNT)).to_be_visible()
