"""A staff member's own language in the browser (issue 13): a focal point whose browser asks
for English chooses French on their settings page, and their queue is French from then on."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.journeys import staff_sign_in


def test_a_focal_point_chooses_french_and_reads_the_queue_in_french(
    staff_browser: Page, browser_focal_point: Any
) -> None:
    page = staff_browser
    staff_sign_in(page, browser_focal_point)
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Case queue")

    page.goto("/staff/settings/")
    page.get_by_role("combobox", name="Language").select_option("fr")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/staff/settings/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos paramètres")
    page.get_by_role("link", name="Dossiers", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("File des dossiers")
    # At its own address too, which the browser alone would show in English.
    page.goto("/staff/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("File des dossiers")
