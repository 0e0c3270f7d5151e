"""The reporter's API (``portal.api``): submitting a report, sessions with the receipt,
reading the report, consents, messages, the route, and the idle and absolute expiry."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from reports.models import Consent, Message, Report, ReporterSession
from reports.vocabulary import ConsentAction
from tests.helpers.database import columns_containing
from tests.helpers.reporter import (
    NARRATIVE,
    expire_reporter_sessions,
    midnight_utc,
    record_only_payload,
    report_payload,
    sign_in,
    submit,
)
from vault.models import KeyWrap

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]


# --- Submitting a report: POST /api/v1/reports ------------------------------------------------


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
    assert isinstance(report["status_label"], str)
    assert report["status_label"]
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


def test_reporter_sees_only_the_day_of_submission() -> None:
    body = submit()
    view = sign_in(body["receipt"]).get("/api/v1/reporter/report").json()
    day = midnight_utc().date().isoformat()
    assert body["report"]["submitted_at"] == f"{day}T00:00:00Z"
    submitted = [e for e in view["timeline"] if "submitted" in e["label"]]
    assert [e["at"] for e in submitted] == [f"{day}T00:00:00Z"]


def test_submission_stores_no_ip_address_or_user_agent() -> None:
    agent = "Mozilla/5.0 (CanaryOS; rv:99) UserAgentCanary/1.0"
    client = APIClient(REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT=agent)
    response = client.post("/api/v1/reports", report_payload(), format="json")
    assert response.status_code == 201
    assert columns_containing("203.0.113.77") == []
    assert columns_containing("UserAgentCanary") == []


def test_submission_that_opens_a_case_stays_within_its_queries(
    focal_point: User, django_assert_max_num_queries: Any
) -> None:
    """Besides Argon2id, intake's cost is mostly its queries (``bench.intake_floor``): no
    uniqueness asked again of a report just given fresh values, no wrap looked up twice, none
    deleted from a key that has none to take away, the case's state loaded with it for the
    alert. The focal point still gets the key (72 queries before these, 64 after)."""
    with django_assert_max_num_queries(64):
        body = submit()
    report = Report.objects.get(reference=body["report"]["reference"])
    holders = KeyWrap.objects.filter(data_key=report.data_key, kind=KeyWrap.Kind.RECIPIENT)
    assert focal_point.pk in set(holders.values_list("recipient__user_id", flat=True))


# --- The signed-in reporter: sessions, consents, messages, route, expiry ----------------------


def test_session_returns_a_token_that_reads_the_report() -> None:
    body = submit()
    response = APIClient().post(
        "/api/v1/reporter/session", {"receipt": body["receipt"]}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["expires_in"] == 15 * 60

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    view = client.get("/api/v1/reporter/report")

    assert view.status_code == 200
    data = view.json()
    assert data["reference"] == body["report"]["reference"]
    assert data["narrative"] == NARRATIVE
    assert isinstance(data["status_label"], str)
    assert data["status_label"]
    assert data["timeline"]
    assert all({"at", "label"} <= set(e) for e in data["timeline"])
    assert data["state"] == "received"


def test_session_token_is_not_stored_in_plaintext() -> None:
    body = submit()
    token = (
        APIClient()
        .post("/api/v1/reporter/session", {"receipt": body["receipt"]}, format="json")
        .json()["token"]
    )
    session = ReporterSession.objects.get()
    assert session.token_index != token
    assert token.encode() not in bytes(session.wrapped_data_key)


def test_report_without_a_token_is_refused() -> None:
    response = APIClient().get("/api/v1/reporter/report")
    assert response.status_code in (401, 403)
    assert response.json()["error"] in ("not_authenticated", "forbidden")


def test_report_with_an_unknown_token_is_401() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token")
    response = client.get("/api/v1/reporter/report")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_consent_decisions_are_all_kept_and_the_latest_wins() -> None:
    reporter = sign_in(submit()["receipt"])

    first = reporter.post(
        "/api/v1/reporter/consents", {"action": "statistics", "granted": True}, format="json"
    )
    second = reporter.post(
        "/api/v1/reporter/consents", {"action": "statistics", "granted": False}, format="json"
    )

    assert first.status_code == 201, first.content
    assert second.status_code == 201, second.content
    assert first.json()["consents"]["statistics"] is True
    assert second.json()["consents"]["statistics"] is False
    view = reporter.get("/api/v1/reporter/report").json()
    assert view["consents"]["statistics"] is False
    history = [(c["action"], c["granted"]) for c in view["consent_history"]]
    assert [h for h in history if h[0] == "statistics"] == [
        ("statistics", True),
        ("statistics", False),
    ]
    assert Consent.objects.filter(action="statistics").count() == 2
    labels = [entry["label"] for entry in view["timeline"]]
    assert any("gave your consent" in label for label in labels)
    assert any("withdrew your consent" in label for label in labels)


def test_consent_with_an_unknown_action_is_400_and_records_nothing() -> None:
    reporter = sign_in(submit()["receipt"])
    before = Consent.objects.count()
    response = reporter.post(
        "/api/v1/reporter/consents", {"action": "everything", "granted": True}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert "action" in response.json()["fields"]
    assert Consent.objects.count() == before


def test_message_is_201_when_a_case_exists() -> None:
    reporter = sign_in(submit()["receipt"])
    response = reporter.post(
        "/api/v1/reporter/messages", {"body": "I have one more thing to add."}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["from"] == "reporter"
    assert body["body"] == "I have one more thing to add."
    assert set(body) >= {"id", "from", "body", "sent_at"}
    view = reporter.get("/api/v1/reporter/report").json()
    assert [(m["from"], m["body"]) for m in view["messages"]] == [
        ("reporter", "I have one more thing to add.")
    ]


def test_message_on_a_sealed_record_only_report_is_409_consent_required() -> None:
    reporter = sign_in(submit(**record_only_payload())["receipt"])
    response = reporter.post(
        "/api/v1/reporter/messages", {"body": "Is anyone there?"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"] == "consent_required"
    assert response.json()["missing"] == ["case_review"]
    assert Message.objects.count() == 0


def test_message_after_case_review_was_withdrawn_is_409() -> None:
    reporter = sign_in(submit()["receipt"])
    reporter.post(
        "/api/v1/reporter/consents", {"action": "case_review", "granted": False}, format="json"
    )
    response = reporter.post("/api/v1/reporter/messages", {"body": "Hello?"}, format="json")
    assert response.status_code == 409
    assert response.json()["missing"] == ["case_review"]
    assert Message.objects.count() == 0


def test_route_change_changes_the_route_and_adds_a_timeline_entry() -> None:
    reporter = sign_in(submit()["receipt"])
    before = reporter.get("/api/v1/reporter/report").json()

    response = reporter.post(
        "/api/v1/reporter/route", {"route": "formal", "informal_channel": None}, format="json"
    )

    assert response.status_code == 200, response.content
    after = response.json()
    assert after["route"] == "formal"
    assert after["informal_channel"] is None
    assert Report.objects.get().route == "formal"
    assert len(after["timeline"]) == len(before["timeline"]) + 1
    assert "Formal complaint" in after["timeline"][-1]["label"]


def test_route_change_to_informal_needs_a_channel() -> None:
    reporter = sign_in(submit(**record_only_payload())["receipt"])
    response = reporter.post("/api/v1/reporter/route", {"route": "informal"}, format="json")
    assert response.status_code == 400
    assert "informal_channel" in response.json()["fields"]
    assert Report.objects.get().route == "record_only"


def test_route_change_to_record_only_once_a_case_exists_is_refused() -> None:
    reporter = sign_in(submit()["receipt"])
    response = reporter.post("/api/v1/reporter/route", {"route": "record_only"}, format="json")
    assert response.status_code == 400
    assert "route" in response.json()["fields"]
    assert Report.objects.get().route == "informal"


def test_idle_session_expires_and_the_api_answers_401() -> None:
    reporter = sign_in(submit()["receipt"])
    assert reporter.get("/api/v1/reporter/report").status_code == 200

    expire_reporter_sessions()
    response = reporter.get("/api/v1/reporter/report")

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert ReporterSession.objects.count() == 0


def test_activity_slides_the_idle_expiry() -> None:
    reporter = sign_in(submit()["receipt"])
    ReporterSession.objects.update(expires_at=timezone.now() + timedelta(minutes=1))
    assert reporter.get("/api/v1/reporter/report").status_code == 200
    assert ReporterSession.objects.get().expires_at > timezone.now() + timedelta(minutes=14)


def test_absolute_session_limit_ends_an_active_session() -> None:
    reporter = sign_in(submit()["receipt"])
    ReporterSession.objects.update(absolute_expiry=timezone.now() - timedelta(seconds=1))
    assert reporter.get("/api/v1/reporter/report").status_code == 401


def test_ending_the_session_with_delete_logs_out() -> None:
    reporter = sign_in(submit()["receipt"])
    assert reporter.delete("/api/v1/reporter/session").status_code == 204
    assert ReporterSession.objects.count() == 0
    assert reporter.get("/api/v1/reporter/report").status_code == 401
