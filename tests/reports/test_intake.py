"""Intake: the HTML wizard at /report/ and POST /api/v1/reports, and what each creates."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEntry
from cases.models import Case
from notifications.models import OutboxMessage
from reports.models import Consent, Report
from reports.vocabulary import ConsentAction
from tests.reports.helpers import (
    NARRATIVE,
    WIZARD_ANSWERS,
    content_policy_violations,
    current_step,
    parse,
    quick_exit_links,
    receipt_on_page,
    record_only_payload,
    report_payload,
    sign_in,
    submit,
    walk_intake,
)
from vault.models import DataKey

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]


# --- The HTML wizard ------------------------------------------------------------------------


def test_html_wizard_walkthrough_creates_the_report_and_shows_a_receipt() -> None:
    client = Client()
    responses = walk_intake(client)
    receipt_page = responses[-1]

    assert receipt_page.status_code == 200, receipt_page.content.decode()[:3000]
    assert "no-store" in receipt_page["Cache-Control"]
    receipt = receipt_on_page(receipt_page.content)
    report = Report.objects.get()
    assert report.reference in receipt_page.content.decode()
    assert report.category == "physical"
    assert report.route == "informal"
    assert report.informal_channel == "ombudsperson"
    assert report.location_type == "headquarters"
    assert report.reporter_role == "affected_person"
    assert report.identity_disclosure == "confidential"
    assert Case.objects.filter(report=report, state="received").exists()

    # What was typed survived the hidden-field round trips intact, and the receipt opens it.
    view = sign_in(receipt).get("/api/v1/reporter/report").json()
    assert view["reference"] == report.reference
    assert view["narrative"] == dict(WIZARD_ANSWERS["what"])["narrative"]
    assert view["incident_date"] == "2024-03-01"
    assert view["identity"]["name"] == "Amina Example"
    assert view["alleged_perpetrator"]["name"] == "Pat Example"
    assert view["consents"]["case_review"] is True
    assert view["consents"]["ombudsperson_referral"] is True
    assert view["consents"]["statistics"] is False
    assert view["consents"]["mediation"] is False  # unanswered counts as no


def test_html_wizard_stores_nothing_before_the_last_step() -> None:
    client = Client()
    responses = walk_intake(client, last_step="identity")

    assert [current_step(r.content) for r in responses] == ["about", "what", "identity", "route"]
    assert Report.objects.count() == 0
    assert Consent.objects.count() == 0
    assert DataKey.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_html_wizard_keeps_no_answer_server_side_between_steps() -> None:
    client = Client()
    assert client.get("/report/").status_code == 200
    about = client.post(
        "/report/",
        {"step": "about", "reporter_role": "witness", "entity": "UNW", "next": "1"},
    )
    assert current_step(about.content) == "what"
    assert Report.objects.count() == 0
    assert Consent.objects.count() == 0
    # The answers travel with the form as hidden fields, not in a server-side session.
    carried = dict(parse(about.content).hidden_fields())
    assert carried["reporter_role"] == "witness"
    assert carried["entity"] == "UNW"


def test_route_step_consent_radios_start_unchecked() -> None:
    client = Client()
    responses = walk_intake(client)
    route_page = responses[3]
    assert current_step(route_page.content) == "route"
    page = parse(route_page.content)
    consent_radios = [
        attrs
        for attrs in page.inputs(type="radio")
        if (attrs.get("name") or "").startswith("consent_")
    ]
    # One yes/no question per consent action, and no answer given on the reporter's behalf.
    assert {attrs["name"] for attrs in consent_radios} == {
        f"consent_{action}" for action in ConsentAction.values
    }
    assert len(consent_radios) == 2 * len(ConsentAction.values)
    assert [a for a in consent_radios if "checked" in a] == []


def _reporter_pages(client: Client) -> dict[str, Any]:
    pages = {"/": client.get("/")}
    responses = walk_intake(client)
    for name, response in zip(
        ["/report/ (about)", "/report/ (what)", "/report/ (identity)", "/report/ (route)"],
        responses[:4],
        strict=True,
    ):
        pages[name] = response
    pages["/report/ (receipt)"] = responses[4]
    receipt = receipt_on_page(responses[4].content)
    pages["/access/"] = client.get("/access/")
    pages["/access/?expired=1"] = client.get("/access/?expired=1")
    signed_in = client.post("/access/", {"receipt": receipt})
    assert signed_in.status_code == 302
    pages["/my-report/"] = client.get("/my-report/")
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


# --- The JSON API ---------------------------------------------------------------------------

REPORT_KEYS = {
    "reference",
    "entity",
    "category",
    "route",
    "informal_channel",
    "state",
    "status_label",
    "submitted_at",
    "consents",
    "messages",
    "timeline",
    "narrative",
}


def test_api_create_returns_201_with_receipt_and_report_in_the_contract_shape() -> None:
    response = APIClient().post("/api/v1/reports", report_payload(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {"receipt", "report"}
    assert isinstance(body["receipt"], str)
    report = body["report"]
    assert set(report) >= REPORT_KEYS
    assert report["reference"] == Report.objects.get().reference
    assert report["entity"] == "UNW"
    assert report["category"] == "verbal"
    assert report["route"] == "informal"
    assert report["informal_channel"] == "ombudsperson"
    assert report["state"] == "received"
    assert isinstance(report["status_label"], str) and report["status_label"]
    assert report["submitted_at"] == f"{timezone.now().date().isoformat()}T00:00:00Z"
    assert set(report["consents"]) == set(ConsentAction.values)
    assert all(isinstance(v, bool) for v in report["consents"].values())
    assert report["consents"]["case_review"] is True
    assert report["consents"]["formal_investigation"] is False
    assert report["messages"] == []
    assert report["timeline"], "the submission itself is on the timeline"
    for entry in report["timeline"]:
        assert set(entry) >= {"at", "label"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", entry["at"])
    assert report["narrative"] == NARRATIVE


def test_api_create_with_identity_and_alleged_perpetrator_returns_them_to_the_reporter() -> None:
    body = submit(
        identity_disclosure="confidential",
        identity={"name": "Amina Example", "email": "amina@example.org", "phone": "+41 22 000"},
        alleged_perpetrator={"name": "Pat Example", "role": "Lead", "relationship": "boss"},
    )
    assert body["report"]["identity"]["email"] == "amina@example.org"
    assert body["report"]["alleged_perpetrator"]["relationship"] == "boss"


def test_anonymous_report_keeps_no_identity() -> None:
    response = APIClient().post(
        "/api/v1/reports",
        report_payload(identity_disclosure="anonymous", identity={"name": ""}),
        format="json",
    )
    assert response.status_code == 201
    assert Report.objects.get().identity is None


def test_anonymous_report_with_a_name_is_refused() -> None:
    response = APIClient().post(
        "/api/v1/reports",
        report_payload(identity_disclosure="anonymous", identity={"name": "Amina"}),
        format="json",
    )
    assert response.status_code == 400
    assert "identity" in response.json()["fields"]
    assert Report.objects.count() == 0


# --- What intake creates: case and notification only with consent ---------------------------


def test_record_only_creates_no_case_and_no_outbox_message(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = APIClient().post("/api/v1/reports", record_only_payload(), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["report"]["state"] == "recorded"
    assert Report.objects.count() == 1
    assert Case.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert callbacks == []  # nothing leaves after commit: nobody is told


def test_record_only_with_case_review_ticked_still_creates_no_case(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            "/api/v1/reports",
            record_only_payload(consents={"case_review": True}),
            format="json",
        )
    assert response.status_code == 201
    assert Case.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_case_review_with_informal_route_opens_a_received_case_and_queues_an_alert(
    django_capture_on_commit_callbacks: Any, make_staff: Any
) -> None:
    focal_point = make_staff()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = APIClient().post("/api/v1/reports", report_payload(), format="json")

    assert response.status_code == 201
    report = Report.objects.get()
    case = Case.objects.get(report=report)
    assert case.state == "received"
    assert case.entity_id == report.entity_id
    message = OutboxMessage.objects.get()
    assert message.topic == "staff_alert"
    assert message.payload["kind"] == "case_opened"
    assert message.payload["reference"] == report.reference
    assert message.payload["user_ids"] == [focal_point.id]
    # Identifiers only: nothing the reporter wrote is in the notification.
    assert NARRATIVE not in str(message.payload)
    # The alert waits a random 10 to 90 minutes for the periodic relay, so that the email's
    # arrival does not date the submission; nothing is kicked at the moment of submission.
    from django.utils import timezone

    delay = message.deliver_after - timezone.now()
    assert 9 * 60 <= delay.total_seconds() <= 90 * 60
    assert callbacks == []


@pytest.mark.parametrize("route", ["informal", "formal", "support_only", "undecided"])
def test_case_review_granted_and_route_not_record_only_opens_a_received_case(route: str) -> None:
    channel = "mediation" if route == "informal" else None
    body = submit(route=route, informal_channel=channel, consents={"case_review": True})
    case = Case.objects.get(report__reference=body["report"]["reference"])
    assert case.state == "received"
    assert body["report"]["state"] == "received"


def test_without_case_review_no_case_is_opened_whatever_the_route() -> None:
    body = submit(route="formal", informal_channel=None, consents={"formal_investigation": True})
    assert Case.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert body["report"]["state"] == "recorded"


def test_granting_case_review_later_on_a_record_only_report_opens_the_case_then() -> None:
    body = submit(**record_only_payload())
    assert Case.objects.count() == 0
    reporter = sign_in(body["receipt"])

    response = reporter.post(
        "/api/v1/reporter/consents", {"action": "case_review", "granted": True}, format="json"
    )

    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.route == "undecided"
    assert Case.objects.get(report=report).state == "received"
    assert OutboxMessage.objects.filter(payload__kind="case_opened").count() == 1
    view = reporter.get("/api/v1/reporter/report").json()
    assert view["route"] == "undecided"
    assert view["state"] == "received"


def test_leaving_record_only_with_case_review_already_granted_opens_the_case() -> None:
    body = submit(**record_only_payload(consents={"case_review": True}))
    assert Case.objects.count() == 0
    reporter = sign_in(body["receipt"])

    response = reporter.post("/api/v1/reporter/route", {"route": "formal"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "received"
    assert Case.objects.get().state == "received"


def test_every_route_channel_and_consent_is_explained_in_plain_words(entity: Any) -> None:
    # Informed choice: the last step of the wizard says what each choice means.
    from django.utils.html import escape

    from reports.vocabulary import CHANNEL_EXPLANATIONS, CONSENT_EXPLANATIONS, ROUTE_EXPLANATIONS

    response = Client().post(
        "/report/",
        {
            "step": "identity",
            "reporter_role": "witness",
            "entity": "UNW",
            "category": "verbal",
            "narrative": "n",
            "identity_disclosure": "anonymous",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'name="step" value="route"' in page
    for text in [
        *ROUTE_EXPLANATIONS.values(),
        *CHANNEL_EXPLANATIONS.values(),
        *CONSENT_EXPLANATIONS.values(),
    ]:
        assert escape(str(text)) in page, text
