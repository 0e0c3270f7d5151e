"""The case page in the browser (issue 11): what the API lets a focal point do, done on the page.

Cases are filed and walked through the services in the test process, against the same database
the server reads; everything the staff do is done in the browser."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from accounts.models import Role
from accounts.services import staff_user_provision
from cases.models import Case, Override
from cases.services.transitions import case_transition
from portal.services import ReportSubmission, report_submit
from referrals.models import Referral, ServiceEntry
from tests.browser.accessibility import assert_accessible
from tests.browser.journeys import PASSWORD, staff_sign_in

JUSTIFICATION = "Two witnesses describe an ongoing risk to other staff members."


def _case(entity: Any, *, route: str, consents: dict[str, bool], by: Any) -> Case:
    """A report filed with these consents, its case walked to assessment by ``by``."""
    submitted = report_submit(
        submission=ReportSubmission(
            entity=entity,
            category="physical",
            route=route,
            informal_channel="ombudsperson" if route == "informal" else "",
            narrative="He followed me to my car after the team dinner.",
            reporter_role="affected_person",
            identity_disclosure="anonymous",
            identity=None,
            consents=consents,
        )
    )
    case = Case.objects.get(report=submitted.report)
    for step in ("acknowledge", "begin_assessment"):
        case_transition(case_id=case.pk, name=step, actor=by)
    return case


def _open_case(page: Page, case: Case) -> None:
    page.goto(f"/staff/cases/{case.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Assessment")


def test_a_focal_point_requests_an_override_and_a_second_approves_it_after_reading_why(
    staff_browser: Page, browser_entity: Any, browser_focal_point: Any
) -> None:
    second, totp_secret = staff_user_provision(
        username="second.focal", role=Role.FOCAL_POINT, entity=browser_entity, password=PASSWORD
    )
    second.totp_secret = totp_secret  # type: ignore[attr-defined]
    case = _case(
        browser_entity, route="formal", consents={"case_review": True}, by=browser_focal_point
    )
    page = staff_browser

    staff_sign_in(page, browser_focal_point)
    _open_case(page, case)
    assert_accessible(page)
    expect(
        page.get_by_text("This step needs the reporter's consent to a formal investigation.")
    ).to_be_visible()
    page.get_by_label("Step", exact=True).select_option(label="Escalate to a formal review")
    page.get_by_label("A risk to other people").check()
    page.get_by_label("Justification (at least 20 characters)").fill(JUSTIFICATION)
    page.get_by_role("button", name="Request an override").click()
    expect(page.get_by_text("Override requested.")).to_be_visible()
    expect(page.get_by_text("a different focal point must approve it")).to_be_visible()
    expect(page.get_by_role("button", name="Approve the override")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    staff_sign_in(page, second)
    _open_case(page, case)
    expect(page.get_by_text(JUSTIFICATION)).to_be_visible()
    expect(
        page.get_by_text(
            "It lets this step go ahead without the reporter's consent to a formal investigation."
        )
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile("I have read the ground and the justification")).check()
    page.get_by_role("button", name="Approve the override").click()
    expect(page.locator(".notice-success")).to_contain_text("Override approved")
    assert Override.objects.get(case=case).status == "approved"
    page.get_by_role("button", name="Escalate to a formal review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Formal review")


def test_a_focal_point_refers_a_case_to_the_ombudsperson(
    staff_browser: Page, browser_entity: Any, browser_focal_point: Any
) -> None:
    ombudsperson, _secret = staff_user_provision(
        username="ombuds", role=Role.OMBUDSPERSON, entity=browser_entity, password=PASSWORD
    )
    service = ServiceEntry.objects.create(
        entity=browser_entity, kind="ombudsperson", name="The Ombudsperson", staff_user=ombudsperson
    )
    case = _case(
        browser_entity,
        route="informal",
        consents={"case_review": True, "ombudsperson_referral": True},
        by=browser_focal_point,
    )
    page = staff_browser
    staff_sign_in(page, browser_focal_point)
    _open_case(page, case)
    page.get_by_role("group", name="Service").get_by_label(re.compile("The Ombudsperson")).check()
    page.get_by_role("button", name="Refer the case").click()
    expect(page.get_by_text("Case referred to The Ombudsperson.")).to_be_visible()
    assert Referral.objects.get(case=case).service == service
    # Reloading the page after the redirect refers nothing again
    page.reload()
    assert Referral.objects.filter(case=case).count() == 1


def test_closing_asks_for_the_reason_a_note_and_a_confirmation(
    staff_browser: Page, browser_entity: Any, browser_focal_point: Any
) -> None:
    case = _case(
        browser_entity, route="informal", consents={"case_review": True}, by=browser_focal_point
    )
    page = staff_browser
    staff_sign_in(page, browser_focal_point)
    _open_case(page, case)
    close = page.locator("form", has=page.get_by_role("button", name="Close the case"))
    close.get_by_label("Closure reason").select_option(label="Resolved informally")
    close.get_by_role("button", name="Close the case").click()
    # The browser holds the form back: the note and the confirmation are required
    assert Case.objects.get(pk=case.pk).state == "assessment"
    close.get_by_label("Note (why; kept as an internal note)").fill("Both agreed it is settled.")
    close.get_by_label("I confirm: Close the case.").check()
    close.get_by_role("button", name="Close the case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Closed")
    closed = Case.objects.get(pk=case.pk)
    assert closed.closure_reason == "resolved_informally"
