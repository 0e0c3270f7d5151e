"""The administrator's workspace in the browser (issue 11): an administrator signs in, lands on
staff and entity management, invites a colleague, keeps the service directory, sets the feedback
period, and deactivates a departing focal point whose open case goes to a colleague. axe checks every page on the way.

The invitation email leaves the gunicorn process (its own locmem outbox, out of this test's
reach): the test reads the enrolment it created and the audit entry naming the address instead;
``tests/accounts/test_admin_views.py`` reads the email itself.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from accounts.models import Entity, Role, StaffEnrolment, User
from audit.models import AuditEntry
from cases.models import Case
from referrals.models import ServiceEntry
from tests.browser.accessibility import assert_accessible
from tests.browser.journeys import staff_sign_in
from tests.helpers.reporter import WORKFLOW_CONSENTS


def test_an_administrator_invites_a_colleague_and_hands_over_a_departing_ones_case(
    staff_browser: Page,
    transactional_db: Any,
    entity: Entity,
    make_staff: Any,
    focal_point: User,
    second_focal_point: User,
    open_case: Any,
) -> None:
    page = staff_browser
    administrator = make_staff(Role.ADMIN, username="unw_admin")
    case = open_case(consents=WORKFLOW_CONSENTS)
    Case.objects.filter(pk=case.pk).update(assigned_to=focal_point)

    # The administrator lands on their workspace
    staff_sign_in(page, administrator)
    expect(page).to_have_url(re.compile(r"/staff/admin/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff and entities")
    expect(page.get_by_role("row", name=re.compile(focal_point.username))).to_be_visible()
    assert_accessible(page)

    # They invite a colleague
    page.get_by_label("Username").fill("new.colleague")
    page.get_by_label("Email address").fill("new.colleague@example.org")
    page.get_by_label("Role", exact=True).select_option(label="Focal point")
    page.get_by_label("Entity").select_option(label=str(entity))
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".notices")).to_contain_text("new.colleague is invited")
    invited = User.objects.get(username="new.colleague")
    assert StaffEnrolment.objects.filter(user=invited).exists()
    assert AuditEntry.objects.filter(
        action="staff.user_created", detail__email="new.colleague@example.org"
    ).exists()
    expect(page.get_by_role("row", name=re.compile("new.colleague"))).to_contain_text(
        "Invited, not enrolled yet"
    )

    # They add a service to the entity's directory
    page.get_by_role("link", name="Entities and their services").click()
    assert_accessible(page)
    page.get_by_role("link", name=f"Services of {entity.name}").click()
    page.get_by_label("Kind of service").select_option(label="Medical")
    page.get_by_label("Name").fill("Staff clinic")
    page.get_by_label("How to reach it").fill("Building B, ext. 2000")
    page.get_by_role("button", name="Add the service").click()
    expect(page.get_by_role("row", name=re.compile("Staff clinic"))).to_be_visible()
    assert_accessible(page)
    assert ServiceEntry.objects.get().name == "Staff clinic"
    # ... then remove it, after a confirmation page that needs no script
    page.get_by_role("link", name="Remove Staff clinic…").click()
    assert_accessible(page)
    page.get_by_role("button", name="Remove Staff clinic").click()
    expect(page.get_by_role("row", name=re.compile("Staff clinic"))).to_have_count(0)
    assert not ServiceEntry.objects.get().active

    # They set the entity's feedback period
    page.get_by_role("link", name="Entities and their services").click()
    page.get_by_role("link", name=entity.code, exact=True).click()
    assert_accessible(page)
    page.get_by_label("Feedback to the reporter is due").fill("2")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".notices")).to_contain_text("is saved")
    entity.refresh_from_db()
    assert entity.feedback_due_months == 2

    # They deactivate the departing focal point, whose open case goes to a colleague
    page.get_by_role("link", name="Staff", exact=True).click()
    page.get_by_role("link", name=f"Deactivate {focal_point.username}…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Deactivate {focal_point.username}")
    expect(page.get_by_text("holds 1 open case")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Successor").select_option(second_focal_point.username)
    page.get_by_role("button", name=f"Deactivate {focal_point.username}").click()
    expect(page).to_have_url(re.compile(r"/staff/admin/$"))
    expect(page.locator(".notices")).to_contain_text(
        f"1 case moved to {second_focal_point.username}"
    )
    expect(page.get_by_role("row", name=re.compile(focal_point.username))).to_contain_text(
        "Deactivated"
    )
    assert Case.objects.get(pk=case.pk).assigned_to == second_focal_point
    focal_point.refresh_from_db()
    assert not focal_point.is_active


def test_the_workspace_and_its_confirmations_work_without_javascript(
    phone: Page, transactional_db: Any, make_staff: Any, investigator: User
) -> None:
    # Runs with JavaScript on and off (``phone``): every action is a form the server answers.
    administrator = make_staff(Role.ADMIN, username="unw_admin")
    staff_sign_in(phone, administrator)
    expect(phone).to_have_url(re.compile(r"/staff/admin/$"))
    phone.get_by_label(f"Role of {investigator.username}").select_option(label="Ombudsperson")
    phone.get_by_role("row", name=re.compile(investigator.username)).get_by_role(
        "button", name="Change role"
    ).click()
    expect(phone.locator(".notices")).to_contain_text(
        f"{investigator.username} is now: Ombudsperson"
    )
    phone.get_by_role("link", name=f"Deactivate {investigator.username}…").click()
    phone.get_by_role("button", name=f"Deactivate {investigator.username}").click()
    expect(phone.locator(".notices")).to_contain_text(
        f"{investigator.username} can no longer sign in"
    )
    investigator.refresh_from_db()
    assert (investigator.role, investigator.is_active) == (Role.OMBUDSPERSON, False)


def test_the_entity_and_directory_pages_have_no_axe_violation(
    staff_browser: Page, transactional_db: Any, entity: Entity, admin: User
) -> None:
    """Issue 11: axe over every page of the administrator's workspace, not only its first."""
    entry = ServiceEntry.objects.create(
        entity=entity, kind="medical", name="Medical Service", contact="ext 7"
    )
    page = staff_browser
    staff_sign_in(page, admin)
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff and entities")
    for path, heading in [
        ("/staff/admin/entities/", "Entities"),
        (f"/staff/admin/entities/{entity.code}/", str(entity.name)),
        (f"/staff/admin/entities/{entity.code}/services/", "Services of"),
        (f"/staff/admin/services/{entry.pk}/", "Medical Service"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert_accessible(page)
