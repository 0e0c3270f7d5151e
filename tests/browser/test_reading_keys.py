"""Reading keys in the browser (issue 14): a focal point changes their password and keeps
reading; a colleague who joins later finds the key waiting and reads once a holder opens the
case; an administrator adds an entity and is shown its recovery key once. axe checks each page.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Page, expect

from accounts.models import Entity, Role
from accounts.services import staff_user_provision
from tests.browser.accessibility import assert_accessible
from tests.browser.journeys import staff_sign_in
from tests.helpers.staff import PASSWORD
from vault.models import RecipientKey
from vault.readers import entity_recovery_key_open, staff_key_unlock

NARRATIVE = "CANARY-KEYS He kept messaging me at night about the audit."
NEW_PASSWORD = "a brand new passphrase for the reading key"


def test_a_focal_point_changes_their_password_and_keeps_reading(
    staff_browser: Page, transactional_db: Any, focal_point: Any, open_case: Any
) -> None:
    case = open_case(narrative=NARRATIVE)
    page = staff_browser
    staff_sign_in(page, focal_point)

    page.goto("/staff/settings/")
    page.get_by_role("link", name="Change your password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    assert_accessible(page)
    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_label("Your new password (at least 12 characters)").fill(NEW_PASSWORD)
    page.get_by_label("The new password again").fill(NEW_PASSWORD)
    page.get_by_label("The new password again").press("Enter")
    expect(page.get_by_text("Your password is changed.")).to_be_visible()

    # Still signed in, the key still unlocked: the report reads
    page.goto(f"/staff/cases/{case.pk}/")
    expect(page.get_by_text(NARRATIVE)).to_be_visible()
    # The key now opens with the new password only
    key = RecipientKey.objects.get(user=focal_point)
    assert staff_key_unlock(key, NEW_PASSWORD).recipient_id == key.id


def test_a_colleague_who_joins_later_waits_for_the_key_then_reads(
    staff_browser: Page,
    browser: Browser,
    app_server: Any,
    transactional_db: Any,
    entity: Entity,
    focal_point: Any,
    make_staff: Any,
    open_case: Any,
) -> None:
    case = open_case(narrative=NARRATIVE)
    newcomer = make_staff(Role.FOCAL_POINT, username="new.colleague")
    context = browser.new_context(base_url=app_server.url)
    context.set_default_timeout(15_000)
    colleague = context.new_page()
    staff_sign_in(colleague, newcomer)
    colleague.goto(f"/staff/cases/{case.pk}/")
    expect(colleague.locator("#reading-key-missing")).to_contain_text(
        "You hold no key to this report yet"
    )
    expect(colleague.get_by_text(NARRATIVE)).to_have_count(0)
    assert_accessible(colleague)

    # The focal point who holds the key opens the case: it passes on
    staff_sign_in(staff_browser, focal_point)
    staff_browser.goto(f"/staff/cases/{case.pk}/")
    expect(staff_browser.get_by_text(NARRATIVE)).to_be_visible()

    colleague.reload()
    expect(colleague.get_by_text(NARRATIVE)).to_be_visible()
    context.close()


def test_an_administrator_adds_an_entity_and_is_shown_its_recovery_key_once(
    staff_browser: Page, transactional_db: Any
) -> None:
    administrator, totp_secret = staff_user_provision(
        username="system.admin", role=Role.ADMIN, entity=None, password=PASSWORD
    )
    administrator.totp_secret = totp_secret  # type: ignore[attr-defined]
    page = staff_browser
    staff_sign_in(page, administrator)

    page.goto("/staff/admin/entities/")
    page.get_by_label("Code").fill("UNHCR")
    page.get_by_label("Name", exact=True).fill("UN Refugee Agency")
    page.get_by_role("button", name="Add the entity").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("print its recovery key now")
    assert_accessible(page)
    texts = [text.strip() for text in page.locator(".receipt").all_inner_texts()]
    assert len(texts) == 3
    whole, first, second = texts
    grouped = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{1,4})+$")
    assert all(grouped.match(text) for text in texts)
    key = RecipientKey.objects.get(entity__code="UNHCR")
    assert entity_recovery_key_open(key, whole).recipient_id == key.id
    assert entity_recovery_key_open(key, first, second).recipient_id == key.id

    # Shown once: the entity's page shows no key
    page.goto("/staff/admin/entities/UNHCR/")
    expect(page.get_by_text(whole)).to_have_count(0)
