"""Issue 11: staying safe and support without reporting, the receipt kept with care, and
withdrawing a consent with a confirmation that says what will stop."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from referrals.models import ServiceEntry, ServiceKind
from reports.models import Consent
from tests.helpers.reporter import receipt_of, receipt_on_page, walk_intake

pytestmark = pytest.mark.django_db


def _reporter(receipt: str) -> Client:
    browser = Client()
    assert browser.post("/access/", {"receipt": receipt}).status_code == 302
    return browser


# --- Staying safe, support ------------------------------------------------------------------


@pytest.mark.usefixtures("entity")
def test_staying_safe_page_states_what_the_code_enforces() -> None:
    html = Client().get("/staying-safe/").content.decode()
    assert "private window" in html
    assert "Esc" in html
    assert "15 minutes without activity" in html
    assert "4 hours at most" in html
    assert "30 days" in html


@pytest.mark.usefixtures("entity")
@pytest.mark.parametrize("path", ["/", "/report/", "/access/", "/support/", "/staying-safe/"])
def test_every_reporter_page_links_to_staying_safe_and_support(path: str) -> None:
    html = Client().get(path).content.decode()
    assert 'href="/staying-safe/"' in html
    assert 'href="/support/"' in html


def test_support_directory_lists_the_entity_s_support_services_without_a_report(
    entity: Any,
) -> None:
    ServiceEntry.objects.create(
        entity=entity, kind=ServiceKind.STAFF_COUNSELLOR, name="Staff Counsellor", contact="ext 1"
    )
    ServiceEntry.objects.create(
        entity=entity, kind=ServiceKind.LEGAL_AID, name="Legal Aid Office", contact="legal@x"
    )
    ServiceEntry.objects.create(
        entity=entity, kind=ServiceKind.MEDICAL, name="Old Clinic", active=False
    )
    ServiceEntry.objects.create(
        entity=entity, kind=ServiceKind.INVESTIGATION_OFFICE, name="Investigations Unit"
    )

    chooser = Client().get("/support/").content.decode()
    page = Client().get("/support/UNW/")

    assert 'href="/support/UNW/"' in chooser
    html = page.content.decode()
    assert page.status_code == 200
    assert "Staff Counsellor" in html
    assert "ext 1" in html
    assert "Legal Aid Office" in html
    assert "legal@x" in html
    # Inactive entries and steps of a case are not support.
    assert "Old Clinic" not in html
    assert "Investigations Unit" not in html


@pytest.mark.usefixtures("entity")
def test_support_directory_of_an_unknown_entity_is_not_found() -> None:
    assert Client().get("/support/NOPE/").status_code == 404


# --- The receipt ----------------------------------------------------------------------------


@pytest.mark.usefixtures("entity")
def test_receipt_page_keeps_each_group_whole_and_says_where_to_use_it() -> None:
    html = walk_intake(Client())[-1].content.decode()
    receipt = receipt_on_page(html)
    for group in receipt.split("-"):
        assert f'<span class="receipt-group">{group}</span>' in html
    assert "Where to use it: open http://testserver/access/" in html
    assert 'action="/report/receipt/file"' in html


def test_receipt_can_be_saved_as_a_small_text_file_that_is_never_cached() -> None:
    response = Client().post("/report/receipt/file", {"receipt": "2345 6789 abcd efgh jkmn"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="receipt.txt"'
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert "2345-6789-ABCD-EFGH-JKMN" in text
    assert "http://testserver/access/" in text


def test_receipt_file_refuses_what_is_not_a_receipt() -> None:
    response = Client().post("/report/receipt/file", {"receipt": "not a receipt"})
    assert response.status_code == 400
    assert "Content-Disposition" not in response


# --- Withdrawing a consent ------------------------------------------------------------------


def test_give_and_withdraw_carry_the_same_button_style(open_case: Any) -> None:
    browser = _reporter(receipt_of(open_case()))
    html = browser.get("/my-report/").content.decode()
    assert html.count('class="consent-button">Withdraw<') == 1
    assert html.count('class="consent-button">Give consent<') >= 1
    assert 'button-secondary">Withdraw' not in html


def test_withdrawing_asks_for_confirmation_and_says_what_will_stop(open_case: Any) -> None:
    case = open_case(consents={"case_review": True, "statistics": True})
    browser = _reporter(receipt_of(case))

    unconfirmed = browser.post("/my-report/consent", {"action": "statistics", "granted": "no"})
    assert unconfirmed.status_code == 302
    assert unconfirmed["Location"] == "/my-report/consent/withdraw?action=statistics"
    assert case.report.consents.filter(source=Consent.Source.PORTAL).count() == 0

    page = browser.get(unconfirmed["Location"]).content.decode()
    assert "What will stop" in page
    assert "leave the finer statistics" in page
    assert 'name="confirmed" value="yes"' in page

    confirmed = browser.post(
        "/my-report/consent", {"action": "statistics", "granted": "no", "confirmed": "yes"}
    )
    assert confirmed.status_code == 302
    case.report.forget_consents()
    assert case.report.current_consents()["statistics"] is False


def test_confirmation_for_a_consent_not_given_changes_nothing(open_case: Any) -> None:
    browser = _reporter(receipt_of(open_case()))
    response = browser.get("/my-report/consent/withdraw?action=mediation")
    assert response.status_code == 302
    assert response["Location"] == "/my-report/"
