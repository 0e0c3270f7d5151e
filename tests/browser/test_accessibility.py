"""axe-core finds no violation on the reporter's first pages, and the check itself can fail."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.accessibility import assert_accessible, axe_violations

pytestmark = pytest.mark.usefixtures("browser_entity")


@pytest.mark.parametrize("path", ["/", "/report/"])
def test_the_first_pages_a_reporter_sees_have_no_axe_violation(
    accessible_phone: Page, path: str
) -> None:
    accessible_phone.goto(path)
    assert_accessible(accessible_phone)


def test_the_check_finds_a_violation_when_there_is_one(accessible_phone: Page) -> None:
    accessible_phone.goto("/")
    # A form field without a label, added after the page loaded.
    accessible_phone.evaluate(
        "document.querySelector('main').append(document.createElement('input'))"
    )

    assert any(line.startswith("label:") for line in axe_violations(accessible_phone))
