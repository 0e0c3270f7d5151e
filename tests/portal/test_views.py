"""The reporter's pages (``portal.views``): no inline code and the quick exit on every page,
access with a receipt, the HTML portal, and quick exit."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from cases.models import Case
from reports.models import Message, Report, ReporterSession
from tests.helpers.html import content_policy_violations, quick_exit_links
from tests.helpers.reporter import (
    current_step,
    expire_reporter_sessions,
    receipt_on_page,
    record_only_payload,
    submit,
    walk_intake,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]


def _reporter_pages(client: Client) -> dict[str, Any]:
    pages = {"/": client.get("/")}
    responses = walk_intake(client)
    for response in responses[:-1]:
        pages[f"/report/ ({current_step(response.content)})"] = response
    pages["/report/ (receipt)"] = responses[-1]
    receipt = receipt_on_page(responses[-1].content)
    pages["/access/"] = client.get("/access/")
    pages["/access/?expired=1"] = client.get("/access/?expired=1")
    signed_in = client.post("/access/", {"receipt": receipt})
    assert signed_in.status_code == 302
    pages["/my-report/"] = client.get("/my-report/")
    pages["/my-report/consent/withdraw"] = client.get(
        "/my-report/consent/withdraw?action=case_review"
    )
    # Issue 11: safety and support pages, readable without a report.
    for path in ("/staying-safe/", "/support/", "/support/UNW/"):
        pages[path] = client.get(path)
    for name, response in pages.items():
        assert response.status_code == 200, name
    return pages


def test_reporter_pages_have_no_inline_script_style_handlers_or_third_party_assets() -> None:
    pages = _reporter_pages(Client())
    problems = {
        name: found
        for name, response in pages.items()
        if (found := content_policy_violations(response.content))
    }
    assert problems == {}


def test_every_reporter_page_has_the_quick_exit_link() -> None:
    pages = _reporter_pages(Client())
    missing = [name for name, response in pages.items() if not quick_exit_links(response.content)]
    assert missing == []
    for response in pages.values():
        assert quick_exit_links(response.content)[0]["href"] == "/exit/"


# --- HTML portal ------------------------------------------------------------------------------


def _signed_in_browser(receipt: str) -> Client:
    browser = Client()
    response = browser.post("/access/", {"receipt": receipt})
    assert response.status_code == 302, response.content
    assert response["Location"] == "/my-report/"
    return browser


def test_html_access_sets_the_reporter_cookie_and_shows_the_portal() -> None:
    body = submit()
    browser = Client()
    response = browser.post("/access/", {"receipt": body["receipt"].lower()})

    assert response.status_code == 302
    cookie = response.cookies["upstander_reporter"]
    assert cookie.value
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    portal = browser.get("/my-report/")
    assert portal.status_code == 200
    html = portal.content.decode()
    assert body["report"]["reference"] in html
    assert "no-store" in portal["Cache-Control"]
    assert quick_exit_links(portal.content)


def test_html_access_with_a_wrong_receipt_is_401_and_sets_no_cookie() -> None:
    submit()
    response = Client().post("/access/", {"receipt": "2345-6789-ABCD-EFGH-JKMN"})
    assert response.status_code == 401
    assert "upstander_reporter" not in response.cookies
    assert ReporterSession.objects.count() == 0


def test_html_portal_redirects_to_access_with_expired_after_idle_timeout() -> None:
    browser = _signed_in_browser(submit()["receipt"])
    assert browser.get("/my-report/").status_code == 200

    expire_reporter_sessions()
    response = browser.get("/my-report/")

    assert response.status_code == 302
    assert response["Location"] == "/access/?expired=1"
    page = browser.get(response["Location"])
    assert page.status_code == 200
    assert "15 minutes" in page.content.decode()


def test_html_portal_without_a_session_redirects_to_access() -> None:
    response = Client().get("/my-report/")
    assert response.status_code == 302
    assert response["Location"].startswith("/access/")


def test_quick_exit_ends_the_session_and_leaves_for_the_neutral_site() -> None:
    browser = _signed_in_browser(submit()["receipt"])
    assert ReporterSession.objects.count() == 1

    response = browser.get("/exit/")

    assert response.status_code == 302
    assert response["Location"] == settings.UPSTANDER_QUICK_EXIT_URL
    assert ReporterSession.objects.count() == 0
    clear = response["Clear-Site-Data"]
    for directive in ('"cache"', '"cookies"', '"storage"'):
        assert directive in clear
    assert response.cookies["upstander_reporter"]["max-age"] == 0
    # The old cookie no longer opens anything.
    assert browser.get("/my-report/").status_code == 302


def test_quick_exit_works_without_a_session() -> None:
    response = Client().get("/exit/")
    assert response.status_code == 302
    assert response["Location"] == settings.UPSTANDER_QUICK_EXIT_URL


def test_html_portal_consent_form_records_the_decision() -> None:
    browser = _signed_in_browser(submit()["receipt"])
    response = browser.post("/my-report/consent", {"action": "statistics", "granted": "yes"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.current_consents()["statistics"] is True


def test_html_portal_message_form_sends_a_message_when_a_case_exists() -> None:
    browser = _signed_in_browser(submit()["receipt"])
    response = browser.post("/my-report/message", {"body": "Following up."})
    assert response.status_code == 302
    assert Message.objects.filter(sender="reporter").count() == 1
    assert "Following up." in browser.get("/my-report/").content.decode()


def test_html_portal_of_a_sealed_report_offers_no_message_form() -> None:
    browser = _signed_in_browser(submit(**record_only_payload())["receipt"])
    html = browser.get("/my-report/").content.decode()
    assert 'action="/my-report/message"' not in html
    assert Case.objects.count() == 0


def test_not_found_page_inside_the_portal_keeps_the_quick_exit_link() -> None:
    """Regression (reporter tests, fixed in dbf4bc9): the error pages were built on the staff base
    page, without the quick exit."""
    browser = _signed_in_browser(submit()["receipt"])
    response = browser.get(f"/my-report/attachments/{uuid.uuid4()}")
    assert response.status_code == 404
    assert quick_exit_links(response.content)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/report/", {"step": "about", "reporter_role": "witness", "entity": "UNW"}),
        ("/access/", {"receipt": "2345-6789-ABCD-EFGH-JKMN"}),
    ],
)
def test_refused_form_page_for_a_reporter_keeps_the_quick_exit_link_and_no_inline_css(
    path: str, data: dict[str, str]
) -> None:
    """Regression (reporter tests, fixed in dbf4bc9): a refused form showed Django's own CSRF page,
    without the quick exit and with inline CSS."""
    # A reporter whose cookies were cleared (quick exit sends Clear-Site-Data) and who then
    # posts a form without its CSRF cookie still sees a reporter page.
    response = Client(enforce_csrf_checks=True).post(path, data)
    assert response.status_code == 403
    assert quick_exit_links(response.content)
    assert content_policy_violations(response.content) == []
