"""Conflicts of interest in the browser (issue 12): a focal point declares a conflict with a
case and with a named person, and a colleague's attempt to give the case to someone named in
the report is refused on the page with the reason in words.

Reports are filed through the services in the test process, against the same database the
server reads; everything the staff do is done in the browser."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from accounts.models import Role
from accounts.services import staff_user_provision
from cases.models import Case
from cases.services.transitions import case_transition
from tests.browser.accessibility import assert_accessible
from tests.browser.journeys import PASSWORD, open_portal, staff_sign_in
from tests.helpers.conflicts import case_naming, with_name
from tests.helpers.reporter import receipt_of


def _colleague(entity: Any, username: str) -> Any:
    user, totp_secret = staff_user_provision(
        username=username, role=Role.FOCAL_POINT, entity=entity, password=PASSWORD
    )
    user.totp_secret = totp_secret  # type: ignore[attr-defined]
    return user


def test_a_focal_point_declares_a_conflict_with_a_case_and_with_a_person(
    staff_browser: Page, browser_entity: Any, browser_focal_point: Any
) -> None:
    case = case_naming(browser_entity, "Nadia Haddad")
    naming = case_naming(browser_entity, "Omar Farouk Bello")
    page = staff_browser
    staff_sign_in(page, browser_focal_point)
    page.goto(f"/staff/cases/{case.pk}/")
    page.get_by_role("button", name="I have a conflict with this case").click()
    expect(page).to_have_url(re.compile(r"/staff/conflicts/$"))
    expect(page.locator(".notices")).to_contain_text(
        f"Your conflict of interest with {case.report.reference} is recorded"
    )
    assert_accessible(page)
    # A person, written another way than the report wrote it.
    page.get_by_label("Name of the person (optional)").fill("BELLO, Omar-Farouk")
    page.get_by_role("button", name="Declare the conflict").click()
    expect(page.get_by_text("a named person (kept only as a fingerprint)")).to_be_visible()
    # Neither case is on the queue any more.
    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert case.report.reference not in page.content()
    assert naming.report.reference not in page.content()


def test_assigning_a_case_to_the_colleague_it_names_is_refused_on_the_page(
    staff_browser: Page, browser_entity: Any, browser_focal_point: Any
) -> None:
    named = with_name(_colleague(browser_entity, "k.mensah"), "Kwame Mensah")
    case = case_naming(browser_entity, "mensah kwame")
    page = staff_browser
    staff_sign_in(page, browser_focal_point)
    page.goto(f"/staff/cases/{case.pk}/")
    page.get_by_label("Colleague").select_option(named.username)
    page.get_by_label("Assign the case to them").check()
    page.get_by_role("button", name="Assign or share").click()
    expect(page.locator(".notices")).to_contain_text(
        "k.mensah cannot take part in this case: the report names them."
    )
    assert Case.objects.get(pk=case.pk).assigned_to_id is None


def test_the_reporter_approves_the_manager_before_the_intervention_starts(
    staff_browser: Page,
    phone: Page,
    javascript: bool,
    browser_entity: Any,
    browser_focal_point: Any,
) -> None:
    case = case_naming(
        browser_entity,
        "Person Responsible",
        channel="manager_intervention",
        consents={"case_review": True, "contact_alleged_perpetrator": True},
    )
    for step in ("acknowledge", "begin_assessment"):
        case_transition(case_id=case.pk, name=step, actor=browser_focal_point)
    # The focal point proposes a manager; the intervention waits, and the page says why.
    staff = staff_browser
    staff_sign_in(staff, browser_focal_point)
    staff.goto(f"/staff/cases/{case.pk}/")
    expect(staff.get_by_text("the reporter has not approved a manager")).to_be_visible()
    staff.get_by_label("Manager's full name").fill("Grace Achieng")
    staff.get_by_role("button", name="Propose this manager").click()
    expect(staff.locator(".notices")).to_contain_text("asked to approve them first")
    # The reporter reads the name in the portal and approves.
    open_portal(phone, receipt_of(case))
    expect(phone.get_by_text("The focal point proposes Grace Achieng")).to_be_visible()
    if javascript:  # axe runs in the page
        assert_accessible(phone)
    phone.get_by_role("button", name="Approve this manager").click()
    expect(phone.locator(".notices")).to_contain_text("You approved the manager.")
    # Now the intervention can start.
    staff.goto(f"/staff/cases/{case.pk}/")
    staff.get_by_role("button", name="Start an informal resolution").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Informal resolution")


def test_the_reporter_asks_for_a_different_handler_on_the_portal(
    phone: Page, browser_entity: Any, browser_focal_point: Any
) -> None:
    case = case_naming(browser_entity, "Person Responsible")
    case_transition(case_id=case.pk, name="acknowledge", actor=browser_focal_point)
    open_portal(phone, receipt_of(case))
    phone.get_by_role("button", name="Ask for a different handler").click()
    expect(phone.locator(".notices")).to_contain_text("Your request is recorded.")
    expect(
        phone.get_by_text("You asked for a different person to handle your case.")
    ).to_be_visible()
