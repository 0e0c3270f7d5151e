"""The intake links route and consent (issue 11, item 4), in Chromium at phone size.

Journeys run with JavaScript on and off (``javascript`` fixture); axe runs with it on.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from reports.models import Report
from tests.browser.accessibility import assert_accessible
from tests.browser.journeys import RECEIPT_PATTERN, answer_route_step, send_checked_report

NARRATIVE = "He blocked the door of the meeting room and would not let me leave."
SEALED = "Without it, nobody will be told: your report will be kept sealed as a dated record."


def _heading(page: Page) -> Any:
    return expect(page.get_by_role("heading", level=1))


def _first_steps(page: Page, *, role: str = "It happened to me") -> None:
    page.goto("/report/")
    page.get_by_label(role).check()
    page.get_by_label("Which organisation should receive it?").select_option("UNW")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Physical (unwanted touching)").check()
    page.get_by_role("textbox").first.fill(NARRATIVE)
    page.get_by_role("button", name="Continue").click()
    _heading(page).to_have_text("Your identity")
    page.get_by_label("No, stay anonymous").check()
    page.get_by_role("button", name="Continue").click()


def test_the_route_shows_its_consents_and_the_check_page_warns_before_a_silent_seal(
    phone: Page, browser_entity: Any
) -> None:
    """Issue 11: the ombudsperson chosen without consent to review was sealed without a word."""
    _first_steps(phone)

    _heading(phone).to_have_text("What happens next")
    routes = phone.get_by_role("group", name="What would you like to happen?")
    # Nothing chosen for the reporter; each route says which consents it needs.
    for radio in routes.get_by_role("radio").all():
        expect(radio).not_to_be_checked()
    expect(
        routes.get_by_label("Formal complaint and investigation")
    ).to_have_accessible_description(re.compile("A formal investigation is opened"))
    routes.get_by_label("Informal resolution").check()
    phone.get_by_role("button", name="Continue").click()

    # The channel is asked only now, for the informal route.
    _heading(phone).to_have_text("How to resolve it informally")
    phone.get_by_label("Talk to the ombudsperson").check()
    phone.get_by_role("button", name="Continue").click()

    _heading(phone).to_have_text("Your consent")
    ombudsperson = phone.get_by_role("group", name="My report is shared with the ombudsperson")
    expect(ombudsperson).to_contain_text("Without it, the ombudsperson will not see your report.")
    expect(phone.get_by_role("group", name="Mediation is arranged")).to_have_count(0)
    for radio in phone.get_by_role("radio").all():
        expect(radio).not_to_be_checked()
    expect(phone.get_by_role("group", name="My name is shared")).to_have_count(0)
    phone.get_by_role("button", name="Continue").click()
    # What the route may use, on a screen of its own: never needed to go ahead.
    _heading(phone).to_have_text("What else you may allow")
    expect(phone.get_by_role("group", name="My name is shared")).to_be_visible()
    expect(phone.get_by_role("radio")).to_have_count(6)
    for radio in phone.get_by_role("radio").all():
        expect(radio).not_to_be_checked()
    phone.get_by_role("button", name="Continue").click()
    _heading(phone).to_have_text("The person responsible")
    phone.get_by_role("button", name="Continue").click()

    # Before sending, in plain words: nobody will be told.
    _heading(phone).to_have_text("Check your answers")
    expect(phone.get_by_text(SEALED)).to_be_visible()
    expect(phone.get_by_role("region", name="What happened")).to_contain_text(NARRATIVE)
    expect(phone.get_by_role("region", name="How to resolve it informally")).to_contain_text(
        "Talk to the ombudsperson"
    )
    assert Report.objects.count() == 0

    # Change the consent from its link; Continue comes straight back to the check page.
    phone.get_by_role("region", name="Your consent").get_by_role("button", name="Change").click()
    _heading(phone).to_have_text("Your consent")
    phone.get_by_role("group", name="A focal point reviews my report").get_by_label("Yes").check()
    phone.get_by_role("group", name="My report is shared with the ombudsperson").get_by_label(
        "Yes"
    ).check()
    phone.get_by_role("button", name="Continue").click()
    _heading(phone).to_have_text("Check your answers")
    expect(phone.get_by_text(SEALED)).to_have_count(0)
    expect(phone.get_by_text("cannot go ahead")).to_have_count(0)

    send_checked_report(phone)
    _heading(phone).to_have_text("Your report is safely stored")
    assert RECEIPT_PATTERN.match(phone.get_by_label("Receipt").inner_text().strip())
    report = Report.objects.get()
    assert report.route == "informal"
    assert report.informal_channel == "ombudsperson"
    assert report.current_consents()["case_review"] is True
    assert report.current_consents()["ombudsperson_referral"] is True
    assert hasattr(report, "case")


def test_a_witness_reads_questions_written_for_a_witness(phone: Page, browser_entity: Any) -> None:
    phone.goto("/report/")
    phone.get_by_label("I saw or heard it happen to someone else").check()
    phone.get_by_label("Which organisation should receive it?").select_option("UNW")
    phone.get_by_role("button", name="Continue").click()

    _heading(phone).to_have_text("What you saw or heard")
    expect(phone.get_by_label("What did you see or hear?")).to_be_visible()
    expect(phone.get_by_label("What happened?")).to_have_count(0)
    expect(
        phone.get_by_role("group", name="What kind of behaviour did you see or hear?")
    ).to_be_visible()


def test_support_only_goes_from_its_consents_straight_to_the_check_page(
    phone: Page, browser_entity: Any
) -> None:
    _first_steps(phone)
    answer_route_step(
        phone,
        route="Support only",
        consents=("A focal point reviews my report", "I am referred to support services"),
    )
    expect(phone.get_by_role("region", name="The person responsible")).to_have_count(0)
    expect(phone.get_by_text("cannot go ahead")).to_have_count(0)


def test_the_error_summary_links_move_the_focus_to_the_field(
    phone: Page, browser_entity: Any
) -> None:
    phone.goto("/report/")
    phone.get_by_label("It happened to me").check()
    phone.get_by_label("Which organisation should receive it?").select_option("UNW")
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("button", name="Continue").click()

    summary = phone.get_by_role("alert")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    narrative = phone.get_by_label("What happened?")
    expect(narrative).to_have_attribute("aria-invalid", "true")

    summary.get_by_role("link", name="This field is required.").nth(1).focus()
    phone.keyboard.press("Enter")
    expect(narrative).to_be_focused()

    summary.get_by_role("link").first.focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_label("Verbal (comments, jokes, propositions)")).to_be_focused()


def test_every_intake_step_passes_axe(accessible_phone: Page, browser_entity: Any) -> None:
    page = accessible_phone
    page.goto("/report/")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()  # nothing answered: the error summary
    _heading(page).to_have_text("About you")
    assert_accessible(page)

    page.get_by_label("I saw or heard it happen to someone else").check()
    page.get_by_label("Which organisation should receive it?").select_option("UNW")
    page.get_by_role("button", name="Continue").click()
    _heading(page).to_have_text("What you saw or heard")
    assert_accessible(page)
    page.get_by_label("Physical (unwanted touching)").check()
    page.get_by_label("What did you see or hear?").fill(NARRATIVE)
    page.get_by_role("button", name="Continue").click()

    _heading(page).to_have_text("Your identity")
    assert_accessible(page)
    page.get_by_label("No, stay anonymous").check()
    page.get_by_role("button", name="Continue").click()

    _heading(page).to_have_text("What happens next")
    assert_accessible(page)
    page.get_by_label("Informal resolution").check()
    page.get_by_role("button", name="Continue").click()

    for heading in (
        *("How to resolve it informally", "Your consent", "What else you may allow"),
        "The person responsible",
    ):
        _heading(page).to_have_text(heading)
        assert_accessible(page)
        if heading == "How to resolve it informally":
            page.get_by_label("Mediation").check()
        page.get_by_role("button", name="Continue").click()

    _heading(page).to_have_text("Check your answers")
    expect(page.get_by_text(SEALED)).to_be_visible()
    assert_accessible(page)
