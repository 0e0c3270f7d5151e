"""Issue 12, item 3, through the reporter's doors: the API (``POST /api/v1/reporter/retaliation``,
``POST /api/v1/reporter/check-ins/{id}``, the REPORT's new fields) and the portal's pages
(``portal.retaliation_views``): "something happened since" at any time, and a check-in when due."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from cases.models import Case
from core.logging_filters import is_reporter_path
from portal.retaliation import check_ins_schedule
from reports.models import Report
from tests.helpers.feedback import portal_browser
from tests.helpers.html import content_policy_violations, parse
from tests.helpers.reporter import WORKFLOW_CONSENTS, receipt_of, receipt_on_page, sign_in
from tests.helpers.retaliation import RETALIATION_NARRATIVE, closed_months_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_case(case_in_state: Callable[..., Case]) -> Case:
    return case_in_state("closed", consents=WORKFLOW_CONSENTS)


# --- The API -----------------------------------------------------------------------------------


def test_the_api_files_a_report_of_retaliation_with_its_own_receipt(closed_case: Case) -> None:
    reporter = sign_in(receipt_of(closed_case))

    response = reporter.post(
        "/api/v1/reporter/retaliation",
        {"narrative": RETALIATION_NARRATIVE, "consents": {"case_review": True}},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["report"]["kind"] == "retaliation"
    assert body["report"]["retaliation_of"] == closed_case.report.reference
    assert body["report"]["state"] == "received"
    assert "working days" in body["report"]["status_label"]
    assert body["report"]["narrative"] == RETALIATION_NARRATIVE
    # The new receipt opens the new report; the first report lists it by reference.
    assert (
        sign_in(body["receipt"]).get("/api/v1/reporter/report").json()["reference"]
        == (body["report"]["reference"])
    )
    first = reporter.get("/api/v1/reporter/report").json()
    assert first["retaliation_reports"] == [body["report"]["reference"]]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"narrative": "   "},
        {"narrative": "It went on.", "route": "nowhere"},
        {"narrative": "It went on.", "consents": {"case_review": "yes"}},
        {"narrative": "It went on.", "consents": {"everything": True}},
    ],
)
def test_a_bad_report_of_retaliation_is_a_validation_error_and_files_nothing(
    closed_case: Case, body: dict[str, object]
) -> None:
    reporter = sign_in(receipt_of(closed_case))
    before = Report.objects.count()

    response = reporter.post("/api/v1/reporter/retaliation", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert response.json()["fields"]
    assert Report.objects.count() == before


def test_without_a_session_the_api_files_nothing() -> None:
    response = Client().post(
        "/api/v1/reporter/retaliation",
        {"narrative": RETALIATION_NARRATIVE},
        content_type="application/json",
    )

    assert response.status_code == 401
    assert not Report.objects.exists()


def test_the_api_shows_a_due_check_in_and_takes_the_answer(
    case_in_state: Callable[..., Case],
) -> None:
    case = closed_months_ago(case_in_state("closed", consents=WORKFLOW_CONSENTS), 1, days=1)
    check_ins_schedule()
    reporter = sign_in(receipt_of(case))
    check_in = reporter.get("/api/v1/reporter/report").json()["check_in"]
    assert check_in["months"] == 1

    response = reporter.post(
        f"/api/v1/reporter/check-ins/{check_in['id']}", {"answer": "all_fine"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["answer"] == "all_fine"
    assert reporter.get("/api/v1/reporter/report").json()["check_in"] is None
    again = reporter.post(
        f"/api/v1/reporter/check-ins/{check_in['id']}", {"answer": "all_fine"}, format="json"
    )
    assert again.status_code == 404
    assert again.json()["error"] == "not_found"


def test_a_check_in_answer_must_be_one_of_the_codes(case_in_state: Callable[..., Case]) -> None:
    case = closed_months_ago(case_in_state("closed", consents=WORKFLOW_CONSENTS), 1, days=1)
    check_ins_schedule()
    reporter = sign_in(receipt_of(case))
    check_in = reporter.get("/api/v1/reporter/report").json()["check_in"]

    response = reporter.post(
        f"/api/v1/reporter/check-ins/{check_in['id']}", {"answer": "meh"}, format="json"
    )

    assert response.status_code == 400
    assert "answer" in response.json()["fields"]
    assert case.report.check_ins.get().answered_on is None


# --- The portal's pages ----------------------------------------------------------------------


def test_the_portal_offers_something_happened_at_any_time(
    open_case: Callable[..., Case],
) -> None:
    case = open_case()

    page = portal_browser(receipt_of(case)).get("/my-report/").content.decode()

    assert 'href="/my-report/something-happened"' in page


def test_the_form_files_the_report_and_shows_its_receipt_once(closed_case: Case) -> None:
    browser = portal_browser(receipt_of(closed_case))
    form = browser.get("/my-report/something-happened")
    assert form.status_code == 200
    assert "no-store" in form["Cache-Control"]
    assert content_policy_violations(form.content) == []
    key = dict(parse(form.content).hidden_fields())["intake_form_key"]

    sent = browser.post(
        "/my-report/something-happened",
        {
            "intake_form_key": key,
            "narrative": RETALIATION_NARRATIVE,
            "route": "formal",
            "consent_case_review": "yes",
            "consent_formal_investigation": "no",
        },
    )

    assert sent.status_code == 303
    shown = browser.get(sent["Location"])
    text = shown.content.decode()
    receipt = receipt_on_page(text)
    assert "2 working days" in text
    report = Report.objects.get(kind="retaliation")
    assert report.retaliation_of_id == closed_case.report_id
    assert report.route == "formal"
    assert report.current_consents()["case_review"] is True
    assert report.current_consents()["formal_investigation"] is False
    # Sent again (Back, then Send): nothing more is filed.
    browser.post(
        "/my-report/something-happened",
        {"intake_form_key": key, "narrative": RETALIATION_NARRATIVE, "route": "formal"},
    )
    assert Report.objects.filter(kind="retaliation").count() == 1
    assert receipt_of(closed_case) != receipt


def test_an_empty_form_is_shown_again_with_the_problem_and_files_nothing(
    closed_case: Case,
) -> None:
    browser = portal_browser(receipt_of(closed_case))
    key = dict(parse(browser.get("/my-report/something-happened").content).hidden_fields())[
        "intake_form_key"
    ]

    response = browser.post(
        "/my-report/something-happened",
        {"intake_form_key": key, "narrative": "", "route": "undecided"},
    )

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Report.objects.filter(kind="retaliation").exists()


def test_a_due_check_in_is_shown_and_all_fine_closes_it(
    case_in_state: Callable[..., Case],
) -> None:
    case = closed_months_ago(case_in_state("closed", consents=WORKFLOW_CONSENTS), 3, days=1)
    check_ins_schedule()
    browser = portal_browser(receipt_of(case))
    page = browser.get("/my-report/").content.decode()
    assert "How are things now?" in page
    assert "about 3 months ago" in page
    check_in_id = dict(parse(page).hidden_fields())["check_in_id"]

    answered = browser.post(
        "/my-report/check-in", {"check_in_id": check_in_id, "answer": "all_fine"}, follow=True
    )

    assert "Thank you. We are glad to hear it." in answered.content.decode()
    assert "How are things now?" not in answered.content.decode()


def test_something_happened_leads_to_the_form_and_tells_nobody_yet(
    case_in_state: Callable[..., Case],
) -> None:
    case = closed_months_ago(case_in_state("closed", consents=WORKFLOW_CONSENTS), 1, days=1)
    check_ins_schedule()
    browser = portal_browser(receipt_of(case))
    check_in_id = dict(parse(browser.get("/my-report/").content).hidden_fields())["check_in_id"]

    response = browser.post(
        "/my-report/check-in", {"check_in_id": check_in_id, "answer": "something_happened"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/my-report/something-happened"
    assert case.report.check_ins.get().answer == "something_happened"


def test_no_check_in_is_shown_before_it_is_due(closed_case: Case) -> None:
    page = portal_browser(receipt_of(closed_case)).get("/my-report/").content.decode()

    assert "How are things now?" not in page


def test_signed_out_the_form_goes_to_the_sign_in_page() -> None:
    response = Client().get("/my-report/something-happened")

    assert response.status_code == 302
    assert response["Location"].startswith("/access/")


@pytest.mark.parametrize(
    "path",
    [
        "/my-report/something-happened",
        "/my-report/check-in",
        "/api/v1/reporter/retaliation",
        "/api/v1/reporter/check-ins/00000000-0000-0000-0000-000000000000",
    ],
)
def test_the_new_reporter_doors_are_never_access_logged(path: str) -> None:
    assert is_reporter_path(path)
