"""The journeys of issue 7, in Chromium at phone size, with JavaScript on and off.

Each test runs twice (``javascript`` fixture): ``[js]`` and ``[no-js]``.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from cases.models import Case
from cases.services.correspondence import staff_message_send
from reports.models import Report, ReporterSession
from tests.browser.conftest import PHONE, AppServer, NeutralSite, console_errors
from tests.browser.journeys import file_report, open_portal, send_checked_report, staff_sign_in


def go_back_allowing_a_refused_resubmission(page: Page) -> None:
    """Press Back; a page that was never stored may show the browser's own error page."""
    try:
        page.go_back()
    except PlaywrightError as error:
        if "ERR_CACHE_MISS" not in str(error):
            raise
    page.wait_for_load_state()
    # The browser's error page may still be replacing the document for a moment.
    page.wait_for_function("document.readyState === 'complete'")


NARRATIVE = "He cornered me in the lift on the third floor after the budget meeting."


def test_a_first_report_goes_from_the_home_page_to_the_receipt(
    phone: Page, browser_entity: Any, app_server: AppServer
) -> None:
    errors = console_errors(phone)
    requested: list[str] = []
    phone.on("request", lambda request: requested.append(request.url))

    receipt = file_report(phone, narrative=NARRATIVE)

    assert Report.objects.count() == 1
    assert re.search(r"/report/receipt/$", phone.url)
    assert receipt in phone.content()
    # Nothing was asked of any other site (a third-party request tells it who is reporting).
    assert requested
    assert all(url.startswith(app_server.url + "/") for url in requested)
    assert errors() == []


def test_reloading_or_going_back_from_the_receipt_files_nothing_twice_and_shows_no_narrative(
    phone: Page, browser_entity: Any
) -> None:
    receipt = file_report(phone, narrative=NARRATIVE)

    # Reload: the receipt page is a GET; it shows the receipt only once.
    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your receipt was shown once")
    assert receipt not in phone.content()
    assert NARRATIVE not in phone.content()

    # Back: the last form page was the answer to a post and is never stored, so the browser
    # shows its "confirm form resubmission" page rather than the form with its answers.
    go_back_allowing_a_refused_resubmission(phone)
    assert NARRATIVE not in phone.content()
    assert receipt not in phone.content()

    # Confirming the resubmission brings the last step back; sending it again files nothing.
    phone.reload()
    send_checked_report(phone)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your report was already sent")
    assert receipt not in phone.content()
    assert NARRATIVE not in phone.content()

    assert Report.objects.count() == 1


def test_the_receipt_opens_the_portal_where_the_reporter_consents_writes_and_reads_the_reply(
    phone: Page, browser: Browser, app_server: AppServer, browser_focal_point: Any
) -> None:
    receipt = file_report(phone, narrative=NARRATIVE)
    phone.get_by_role("link", name="Follow my report").click()
    phone.get_by_label("Your receipt").fill(receipt)
    phone.get_by_role("button", name="Open my report").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Your report R-")
    expect(phone.get_by_text(NARRATIVE)).to_be_visible()

    # Give a consent.
    row = phone.get_by_role("row").filter(
        has_text="My report also counts in finer anonymous statistics"
    )
    expect(row.get_by_role("cell").nth(1)).to_have_text("No")
    row.get_by_role("button", name="Give consent").click()
    expect(phone.get_by_text("Your choice is recorded.")).to_be_visible()
    row = phone.get_by_role("row").filter(
        has_text="My report also counts in finer anonymous statistics"
    )
    expect(row.get_by_role("cell").nth(1)).to_have_text("Yes")

    # Write to the focal point.
    phone.get_by_label("Write to the focal point").fill("Can we talk on Thursday?")
    phone.get_by_role("button", name="Send message").click()
    expect(phone.get_by_text("Your message was sent.")).to_be_visible()
    expect(phone.get_by_text("Can we talk on Thursday?")).to_be_visible()

    # The focal point answers; the reporter reads the reply.
    case = Case.objects.get()
    staff_message_send(case=case, actor=browser_focal_point, body="Yes, Thursday at ten works.")
    phone.reload()
    expect(phone.get_by_text("Yes, Thursday at ten works.")).to_be_visible()


def test_a_focal_point_signs_in_acknowledges_moves_the_case_and_writes_to_the_reporter(
    phone: Page, browser: Browser, app_server: AppServer, browser_focal_point: Any, javascript: bool
) -> None:
    reporter_context = browser.new_context(base_url=app_server.url, viewport=PHONE)
    reporter = reporter_context.new_page()
    receipt = file_report(reporter, narrative=NARRATIVE)

    # The focal point, on their own phone, signs in with password and TOTP through the page.
    staff_sign_in(phone, browser_focal_point)
    expect(phone).to_have_url(re.compile(r"/staff/$"))
    reference = Case.objects.get().report.reference
    phone.get_by_role("link", name=reference).click()
    expect(phone.get_by_text(NARRATIVE)).to_be_visible()

    phone.get_by_role("button", name="Acknowledge the report").click()
    expect(phone.get_by_text("Done.")).to_be_visible()
    phone.get_by_role("button", name="Begin the assessment").click()
    expect(phone.get_by_text("Done.")).to_be_visible()
    assert Case.objects.get().state == "assessment"

    phone.get_by_label("Write").fill("Thank you for trusting us. I am here to help.")
    phone.get_by_role("button", name="Send", exact=True).click()
    expect(phone.get_by_text("Message sent to the reporter.")).to_be_visible()

    # The reporter sees the move and the message.
    open_portal(reporter, receipt)
    expect(reporter.get_by_text("Thank you for trusting us. I am here to help.")).to_be_visible()
    timeline = reporter.locator(".timeline")
    expect(timeline).to_contain_text("acknowledged", ignore_case=True)
    reporter_context.close()


def test_quick_exit_leaves_ends_the_session_and_back_does_not_bring_the_report_back(
    phone: Page, browser_entity: Any, neutral_site: NeutralSite, app_server: AppServer
) -> None:
    receipt = file_report(phone, narrative=NARRATIVE)
    open_portal(phone, receipt)
    expect(phone.get_by_text(NARRATIVE)).to_be_visible()
    assert ReporterSession.objects.count() == 1
    neutral_site.requests.clear()

    phone.get_by_role("link", name="Quick exit").click()

    expect(phone).to_have_url(neutral_site.url)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Weather today")
    # The neutral site learns nothing about where the visitor came from.
    pages = [request for request in neutral_site.requests if request["path"] == "/weather"]
    assert pages
    assert all("referer" not in request for request in pages)
    assert not [r for r in neutral_site.requests if app_server.url in r.get("referer", "")]
    assert ReporterSession.objects.count() == 0

    go_back_allowing_a_refused_resubmission(phone)
    assert NARRATIVE not in phone.content()
    assert receipt not in phone.content()
    phone.goto("/my-report/")
    expect(phone).to_have_url(re.compile(r"/access/\?expired=1$"))
    assert NARRATIVE not in phone.content()
