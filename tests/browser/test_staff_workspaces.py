"""Each staff role's workspace in the browser (issue 11): after sign-in the focal point is on
their queue and works it (overdue, a reference), the ombudsperson on the cases referred to her,
which she works (reads and answers the reporter), the investigator on the cases assigned to
them, whose findings they record, leadership on the statistics dashboard.

Cases are made through the services, as the focal point's steps would make them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Entity, Role, User
from accounts.services import staff_user_provision
from cases.models import Case
from cases.selectors import QUEUE_PAGE
from cases.services.assignment import case_investigator_assign
from referrals.models import ServiceEntry
from tests.browser.accessibility import assert_accessible
from tests.browser.journeys import PASSWORD, staff_sign_in
from tests.helpers.queue import case_copies
from tests.helpers.reporter import WORKFLOW_CONSENTS


def _staff(role: str, username: str, entity: Entity) -> User:
    user, totp_secret = staff_user_provision(
        username=username, role=role, entity=entity, password=PASSWORD
    )
    user.totp_secret = totp_secret  # type: ignore[attr-defined]
    return user


@pytest.fixture
def entity(browser_entity: Entity) -> Entity:
    """The cases (``open_case``, ``case_in_state``) are the browser's entity's."""
    return browser_entity


@pytest.fixture
def queue(open_case: Any, browser_entity: Entity) -> dict[str, Case]:
    """Three new cases of the browser's entity: one overdue for acknowledgement, two not."""
    cases = {name: open_case(consents=WORKFLOW_CONSENTS) for name in ("overdue", "calm", "other")}
    late = timezone.localdate() - timedelta(days=3)
    Case.objects.filter(pk=cases["overdue"].pk).update(acknowledgement_due=late)
    return cases


def test_a_focal_point_lands_on_the_queue_filters_overdue_and_searches_a_reference(
    phone: Page, queue: dict[str, Case], browser_focal_point: User
) -> None:
    staff_sign_in(phone, browser_focal_point)
    expect(phone).to_have_url(re.compile(r"/staff/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Case queue")
    table = phone.get_by_role("table")
    for case in queue.values():
        expect(table).to_contain_text(case.report.reference)
    expect(table).to_contain_text("Physical (unwanted touching)")
    expect(table).to_contain_text("Informal resolution")

    phone.get_by_role("navigation", name="Parts of the list").get_by_role(
        "link", name="Overdue"
    ).click()
    expect(phone).to_have_url(re.compile(r"show=overdue"))
    expect(table).to_contain_text(queue["overdue"].report.reference)
    expect(table).not_to_contain_text(queue["calm"].report.reference)
    expect(table.get_by_text("overdue", exact=True)).to_be_visible()

    phone.get_by_label("Show", exact=True).select_option(label="All cases")
    phone.get_by_label("Reference").fill(queue["other"].report.reference)
    phone.get_by_role("button", name="Show cases").click()
    expect(table).to_contain_text(queue["other"].report.reference)
    expect(table).not_to_contain_text(queue["overdue"].report.reference)
    phone.get_by_role("link", name=queue["other"].report.reference).click()
    expect(phone).to_have_url(re.compile(rf"/staff/cases/{queue['other'].pk}/$"))


def test_the_queue_page_has_no_axe_violation(
    staff_browser: Page, queue: dict[str, Case], browser_focal_point: User
) -> None:
    staff_sign_in(staff_browser, browser_focal_point)
    expect(staff_browser.get_by_role("heading", level=1)).to_have_text("Case queue")
    assert_accessible(staff_browser)
    staff_browser.goto("/staff/?show=everything")
    expect(staff_browser.get_by_role("alert")).to_contain_text("Choose one of the options")
    assert_accessible(staff_browser)
    staff_browser.goto("/staff/settings/")
    assert_accessible(staff_browser)


def test_an_ombudsperson_sees_the_case_started_on_the_informal_route_with_her_and_works_it(
    staff_browser: Page,
    open_case: Any,
    walk_case: Any,
    browser_entity: Entity,
    browser_focal_point: User,
) -> None:
    ombudsperson = _staff(Role.OMBUDSPERSON, "ombuds", browser_entity)
    ServiceEntry.objects.create(
        entity=browser_entity, kind="ombudsperson", name="Ombudsperson", staff_user=ombudsperson
    )
    hers = open_case(consents=WORKFLOW_CONSENTS)
    # Starting the informal route with her channel refers the case to her (issue 11).
    walk_case(hers, "informal_resolution", by=browser_focal_point)
    not_hers = open_case(consents=WORKFLOW_CONSENTS)

    staff_sign_in(staff_browser, ombudsperson)
    expect(staff_browser).to_have_url(re.compile(r"/staff/$"))
    expect(staff_browser.get_by_role("heading", level=1)).to_have_text("Cases referred to you")
    table = staff_browser.get_by_role("table")
    expect(table).to_contain_text(hers.report.reference)
    expect(table).to_contain_text("Talk to the ombudsperson")
    expect(table).not_to_contain_text(not_hers.report.reference)
    assert_accessible(staff_browser)
    # And she works it: reads the report and answers the reporter
    table.get_by_role("link", name=hers.report.reference).click()
    expect(staff_browser.get_by_role("heading", level=1)).to_contain_text("Informal resolution")
    expect(staff_browser.get_by_text("He followed me to my car")).to_be_visible()
    assert_accessible(staff_browser)
    staff_browser.get_by_label("Write").fill("I have read your report. When can we talk?")
    staff_browser.get_by_role("button", name="Send", exact=True).click()
    expect(staff_browser.get_by_text("I have read your report. When can we talk?")).to_be_visible()
    assert hers.report.messages.filter(sender="staff", author=ombudsperson).count() == 1


def test_an_investigator_sees_the_case_assigned_to_them_and_records_the_findings(
    staff_browser: Page,
    case_in_state: Any,
    open_case: Any,
    browser_entity: Entity,
    browser_focal_point: User,
) -> None:
    investigator = _staff(Role.INVESTIGATOR, "investigator", browser_entity)
    assigned = case_in_state("investigation", by=browser_focal_point, consents=WORKFLOW_CONSENTS)
    case_investigator_assign(case=assigned, actor=browser_focal_point, investigator=investigator)
    unassigned = case_in_state("investigation", by=browser_focal_point, consents=WORKFLOW_CONSENTS)

    staff_sign_in(staff_browser, investigator)
    expect(staff_browser).to_have_url(re.compile(r"/staff/$"))
    expect(staff_browser.get_by_role("heading", level=1)).to_have_text("Cases assigned to you")
    table = staff_browser.get_by_role("table")
    expect(table).to_contain_text(assigned.report.reference)
    expect(table).to_contain_text("Investigation")
    expect(table).not_to_contain_text(unassigned.report.reference)
    # And they record the findings on the case's page
    table.get_by_role("link", name=assigned.report.reference).click()
    assert_accessible(staff_browser)
    staff_browser.get_by_label("Outcome").select_option("unsubstantiated")
    staff_browser.get_by_role("button", name="Record the findings").click()
    expect(staff_browser.get_by_role("heading", level=1)).to_contain_text("Findings")
    assigned.refresh_from_db()
    assert (assigned.state, assigned.outcome) == ("findings", "unsubstantiated")


def test_leadership_lands_on_the_dashboard_never_a_case_list(
    staff_browser: Page, browser_entity: Entity
) -> None:
    leader = _staff(Role.LEADERSHIP, "leader", browser_entity)
    staff_sign_in(staff_browser, leader)
    expect(staff_browser).to_have_url(re.compile(r"/dashboard/$"))
    staff_browser.goto("/staff/")
    expect(staff_browser).to_have_url(re.compile(r"/dashboard/$"))
    expect(staff_browser.get_by_role("heading", level=1)).to_have_text("Statistics dashboard")
    expect(staff_browser.get_by_role("columnheader", name="Reference")).to_have_count(0)


def test_a_focal_point_walks_from_the_first_page_of_the_queue_to_the_second(
    phone: Page, open_case: Any, browser_focal_point: User
) -> None:
    """Issue 15: the queue shows 50 cases a page; "Next page", a plain link, reached by the
    keyboard, shows the following ones, with the filters kept."""
    first = open_case(consents=WORKFLOW_CONSENTS)
    made = [first, *case_copies(first, QUEUE_PAGE + 4)]
    staff_sign_in(phone, browser_focal_point)
    phone.goto(f"{phone.url}?sort=-received")
    table = phone.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(QUEUE_PAGE + 1)  # and the header row
    on_first = set(table.get_by_role("link").all_inner_texts())

    next_page = phone.get_by_role("link", name="Next page")
    next_page.focus()
    phone.keyboard.press("Enter")

    expect(phone).to_have_url(re.compile(r"sort=-received.*cursor=|cursor=.*sort=-received"))
    expect(table.get_by_role("row")).to_have_count(len(made) - QUEUE_PAGE + 1)
    on_second = set(table.get_by_role("link").all_inner_texts())
    assert on_second
    assert not on_second & on_first
    assert on_first | on_second >= {case.report.reference for case in made}
    expect(phone.get_by_role("link", name="Next page")).to_have_count(0)
