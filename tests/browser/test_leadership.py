"""Leadership in the browser: sign in, open the statistics dashboard, narrow it to a quarter with
the form, read the charts and their tables, and download the transparency report as a PDF.

Runs twice (``javascript`` fixture): the pages need no JavaScript, and draw their charts on the
server, so both runs see the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from accounts.models import Entity, Role
from accounts.services import staff_user_provision
from stats.services import release_due
from tests.browser.conftest import AppServer, console_errors
from tests.browser.journeys import PASSWORD, staff_sign_in
from tests.helpers.stats import file_mixed_reports, file_report


@pytest.fixture
def leader(transactional_db: Any, browser_entity: Entity) -> Any:
    user, totp_secret = staff_user_provision(
        username="leader", role=Role.LEADERSHIP, entity=browser_entity, password=PASSWORD
    )
    user.totp_secret = totp_secret  # type: ignore[attr-defined]
    return user


@pytest.fixture
def released_statistics(transactional_db: Any, browser_entity: Entity) -> None:
    """Five reports in 2026Q2 and 32 of mixed kinds in 2026Q3, both quarters released."""
    Entity.objects.create(code="UNDP", name="United Nations Development Programme")
    for _ in range(5):
        file_report(browser_entity, quarter="2026Q2")
    file_mixed_reports(browser_entity, quarter="2026Q3")
    release_due()


@pytest.fixture
def desk(browser: Browser, app_server: AppServer, javascript: bool) -> Iterator[Page]:
    """Leadership's desktop browser, with JavaScript on or off."""
    context = browser.new_context(
        base_url=app_server.url,
        viewport={"width": 1280, "height": 900},
        java_script_enabled=javascript,
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_leadership_filters_the_dashboard_reads_its_charts_and_downloads_the_report(
    desk: Page, leader: Any, released_statistics: None, tmp_path: Path
) -> None:
    errors = console_errors(desk)
    staff_sign_in(desk, leader)
    desk.get_by_role("link", name="Statistics").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Statistics dashboard")
    by_quarter = desk.get_by_role("table", name="Reports received, by quarter")
    expect(by_quarter).to_contain_text("2026Q2")

    # The period form: from and to the third quarter only.
    desk.get_by_label("From the quarter").select_option(label="2026Q3")
    desk.get_by_label("To the quarter").select_option(label="2026Q3")
    desk.get_by_role("button", name="Show").click()

    expect(desk).to_have_url(re.compile(r"/dashboard/\?from=2026-07-01&to=2026-09-30"))
    expect(desk.get_by_text("Period: 2026Q3 (1 July 2026 to 30 September 2026).")).to_be_visible()
    expect(by_quarter).not_to_contain_text("2026Q2")
    expect(by_quarter.get_by_role("row", name="2026Q3")).to_contain_text("32")
    # A chart is an image named by its title, its table follows with counts or "withheld".
    expect(desk.get_by_role("img", name="Reports received, by category")).to_be_visible()
    by_category = desk.get_by_role("table", name="Reports received, by category")
    expect(by_category.get_by_role("row", name="Physical (unwanted touching)")).to_contain_text("8")
    expect(by_category.get_by_role("row", name="Something else")).to_contain_text("withheld")
    expect(desk.get_by_role("img", name="Did you feel heard?")).to_be_visible()

    with desk.expect_download() as downloading:
        desk.get_by_role("link", name="PDF").first.click()
    download = downloading.value
    assert download.suggested_filename == "transparency-report-2026-all.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = "\n".join(page.extract_text() for page in PdfReader(saved).pages)
    assert "Transparency report 2026" in text
    assert re.search(r"Reports received\s+37\b", text)
    assert errors() == []
