"""Staff pages in the browser: enrolment from the emailed invitation, then sign-in with the
authenticator code the page showed (issue 7: every form works in a real browser)."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Role, User
from accounts.services import staff_user_create
from tests.helpers.staff import authenticator_code

NEW_PASSWORD = "a long and private passphrase"


def test_an_invited_focal_point_enrols_and_signs_in_through_the_pages(
    phone: Page, browser_entity: Any, transactional_db: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin = User.objects.create(username="admin", role=Role.ADMIN, entity=None)
    staff_user_create(
        actor=admin,
        username="new.focal",
        role=Role.FOCAL_POINT,
        entity=browser_entity,
        email="new.focal@example.org",
    )
    link = re.search(r"(/staff/enrol/\?token=[\w-]+)", str(mail.outbox[-1].body))
    assert link

    phone.goto(link.group(1))
    phone.get_by_label("Choose a password (at least 12 characters)").fill(NEW_PASSWORD)
    phone.get_by_label("The same password again").fill(NEW_PASSWORD)
    phone.get_by_label("The same password again").press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Add Upstander to your authenticator app"
    )
    totp_secret = phone.locator("#totp-secret").inner_text().strip()
    # And the recovery key of the reading key the password now unlocks, shown this once
    expect(phone.locator("#recovery-key")).to_have_text(
        re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$")
    )

    phone.get_by_role("link", name="Sign in").click()
    phone.get_by_label("Username").fill("new.focal")
    phone.get_by_label("Password").fill(NEW_PASSWORD)
    phone.get_by_label("Code from your authenticator app").fill(authenticator_code(totp_secret))
    phone.get_by_label("Code from your authenticator app").press("Enter")
    expect(phone).to_have_url(re.compile(r"/staff/$"))
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
