"""Protection from retaliation in the browser (issue 12, item 3): the reporter answers a check-in
after their case was closed and reports what happened since, the report of retaliation reaches
the focal point with its two-working-day deadline; a check-in answered "all fine"; the focal
point records the retaliation risk and the interim measures on the case page.

Reports are filed and cases walked through the services in the test process, against the same
database the server reads; what the reporter and the focal point do is done in the browser."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from cases.models import Case
from cases.services.transitions import case_transition
from cases.templatetags.staff_dates import day_in_words
from portal.retaliation import check_ins_schedule
from portal.services import ReportSubmission, SubmittedReport, report_submit
from reports.models import Report
from tests.browser.accessibility import assert_accessible
from tests.browser.journeys import RECEIPT_PATTERN, open_portal, staff_sign_in
from tests.helpers.retaliation import closed_months_ago

WHAT_HAPPENED = "Since my case closed I have been left out of every meeting."


def _filed(entity: Any, consents: dict[str, bool]) -> SubmittedReport:
    return report_submit(
        submission=ReportSubmission(
            entity=entity,
            category="physical",
            route="formal",
            informal_channel="",
            narrative="He followed me to my car after the team dinner.",
            reporter_role="affected_person",
            identity_disclosure="anonymous",
            identity=None,
            consents=consents,
        )
    )


def _walked(submitted: SubmittedReport, steps: tuple[str, ...], by: Any, **arguments: str) -> Case:
    case = Case.objects.get(report=submitted.report)
    for step in steps:
        case_transition(case_id=case.pk, name=step, actor=by, arguments=arguments)
    return Case.objects.get(pk=case.pk)


def _closed_with_a_check_in(entity: Any, focal_point: Any, months: int) -> SubmittedReport:
    submitted = _filed(entity, {"case_review": True})
    case = _walked(
        submitted,
        ("acknowledge", "begin_assessment", "close"),
        focal_point,
        closure_reason="resolved_informally",
    )
    closed_months_ago(case, months, days=1)
    check_ins_schedule()
    return submitted


def test_after_closure_the_reporter_reports_retaliation_and_it_reaches_the_focal_point(
    phone: Page,
    staff_browser: Page,
    browser_entity: Any,
    browser_focal_point: Any,
) -> None:
    submitted = _closed_with_a_check_in(browser_entity, browser_focal_point, 3)

    # The reporter, three months after the case closed.
    open_portal(phone, submitted.receipt)
    expect(phone.get_by_role("heading", name="How are things now?")).to_be_visible()
    phone.get_by_role("button", name="Something happened").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Something happened since")
    phone.get_by_label("What happened since your report?").fill(WHAT_HAPPENED)
    phone.get_by_role("group", name="What would you like to happen?").get_by_label(
        "Formal complaint and investigation"
    ).check()
    phone.get_by_role("group", name="A focal point reviews my report").get_by_label("Yes").check()
    phone.get_by_role("button", name="Send this report").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your report is safely stored")
    expect(phone.get_by_text("within 2 working days")).to_be_visible()
    new_receipt = phone.get_by_label("Receipt").inner_text().strip()
    assert RECEIPT_PATTERN.match(new_receipt), new_receipt
    assert new_receipt != submitted.receipt

    follow_up = Report.objects.get(kind="retaliation")
    assert follow_up.retaliation_of_id == submitted.report.pk
    case = Case.objects.get(report=follow_up)

    # The focal point who held the first case finds it assigned to them, due in working days.
    staff_sign_in(staff_browser, browser_focal_point)
    staff_browser.goto(f"/staff/cases/{case.pk}/")
    expect(staff_browser.get_by_text("This is a report of retaliation")).to_be_visible()
    expect(staff_browser.locator(".case-facts").first).to_contain_text(
        day_in_words(case.acknowledgement_due)
    )
    expect(staff_browser.get_by_text(WHAT_HAPPENED)).to_be_visible()
    original = Case.objects.get(report=submitted.report)
    staff_browser.get_by_role("link", name=submitted.report.reference).click()
    expect(staff_browser).to_have_url(re.compile(rf"/staff/cases/{original.pk}/$"))


def test_a_reporter_answers_a_check_in_all_fine(
    phone: Page, browser_entity: Any, browser_focal_point: Any
) -> None:
    submitted = _closed_with_a_check_in(browser_entity, browser_focal_point, 1)

    open_portal(phone, submitted.receipt)
    expect(phone.get_by_text("Your case was closed about a month ago.")).to_be_visible()
    phone.get_by_role("button", name="All is fine").click()

    expect(phone.get_by_text("Thank you. We are glad to hear it.")).to_be_visible()
    expect(phone.get_by_role("heading", name="How are things now?")).to_have_count(0)
    expect(phone.get_by_text("You told us all is fine.")).to_be_visible()


def test_the_something_happened_page_is_accessible(
    accessible_phone: Page, browser_entity: Any
) -> None:
    submitted = _filed(browser_entity, {"case_review": True})

    open_portal(accessible_phone, submitted.receipt)
    accessible_phone.get_by_role("link", name="Report something that happened since").click()
    expect(accessible_phone.get_by_role("heading", level=1)).to_have_text(
        "Something happened since"
    )
    assert_accessible(accessible_phone)


def test_the_focal_point_records_the_retaliation_risk_and_interim_measures(
    staff_browser: Page, browser_entity: Any, browser_focal_point: Any
) -> None:
    submitted = _filed(browser_entity, {"case_review": True, "interim_measures": True})
    case = _walked(submitted, ("acknowledge",), browser_focal_point)
    page = staff_browser

    staff_sign_in(page, browser_focal_point)
    page.goto(f"/staff/cases/{case.pk}/")
    assert_accessible(page)
    page.get_by_role("group", name="Risk that the reporter suffers retaliation").get_by_label(
        "High"
    ).check()
    page.get_by_label("A change of reporting line").check()
    page.get_by_label("An instruction not to make contact").check()
    page.get_by_role("button", name="Record the retaliation risk").click()

    expect(
        page.get_by_text("The retaliation risk and interim measures are recorded.")
    ).to_be_visible()
    facts = page.locator("#retaliation ~ dl.case-facts").first
    expect(facts).to_contain_text("High")
    expect(facts).to_contain_text("An instruction not to make contact, A change of reporting line")
    assert Case.objects.get(pk=case.pk).retaliation_risk == "high"
