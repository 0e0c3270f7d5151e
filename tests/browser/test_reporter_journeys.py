"""A reporter's journeys on a phone, with JavaScript on and off (issue 7)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import console_errors
from tests.browser.journeys import file_report


def test_a_first_report_goes_from_the_home_page_to_the_receipt(
    phone: Page, browser_entity: Any
) -> None:
    from reports.models import Report

    errors = console_errors(phone)
    receipt = file_report(phone, narrative="He cornered me in the lift on the third floor.")

    assert Report.objects.count() == 1
    assert receipt
    assert errors() == []
