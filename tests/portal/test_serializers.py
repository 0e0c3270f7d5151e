"""Bad input from reporters (``portal.serializers``): a rejected submission changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Entity
from audit.models import AuditEntry
from cases.models import Case
from notifications.models import OutboxMessage
from reports.models import Consent, Report, TimelineEntry
from tests.helpers.reporter import report_payload
from vault.models import DataKey, KeyWrap

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Report,
            Consent,
            DataKey,
            KeyWrap,
            TimelineEntry,
            AuditEntry,
            Case,
            OutboxMessage,
        )
    }


def test_narrative_of_20001_characters_is_400_with_fields_narrative() -> None:
    before = _counts()
    response = APIClient().post(
        "/api/v1/reports", report_payload(narrative="x" * 20001), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "validation_error"
    assert "narrative" in body["fields"]
    assert _counts() == before


def test_narrative_of_20000_characters_is_accepted() -> None:
    response = APIClient().post(
        "/api/v1/reports", report_payload(narrative="x" * 20000), format="json"
    )
    assert response.status_code == 201


def test_unknown_entity_is_400_with_fields_entity() -> None:
    response = APIClient().post("/api/v1/reports", report_payload(entity="NOPE"), format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert "entity" in response.json()["fields"]


def test_entity_that_does_not_accept_reports_is_refused() -> None:
    Entity.objects.create(code="OLD", name="Closed office", accepts_reports=False)
    response = APIClient().post("/api/v1/reports", report_payload(entity="OLD"), format="json")
    assert response.status_code == 400
    assert "entity" in response.json()["fields"]


def test_unknown_category_is_400_with_fields_category() -> None:
    response = APIClient().post(
        "/api/v1/reports", report_payload(category="rudeness"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert "category" in response.json()["fields"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"narrative": "x" * 20001}, "narrative"),
        ({"narrative": "   "}, "narrative"),
        ({"entity": "NOPE"}, "entity"),
        ({"category": "rudeness"}, "category"),
        ({"route": "somewhere"}, "route"),
        ({"route": "informal", "informal_channel": None}, "informal_channel"),
        ({"route": "formal", "informal_channel": "mediation"}, "informal_channel"),
        ({"reporter_role": "bystander"}, "reporter_role"),
        ({"identity_disclosure": "public"}, "identity_disclosure"),
        ({"location_type": "moon"}, "location_type"),
        ({"incident_date": "2999-01-01"}, "incident_date"),
        ({"incident_date": "yesterday"}, "incident_date"),
        ({"consents": {"everything": True}}, "consents"),
        ({"consents": {"case_review": "perhaps"}}, "consents"),
    ],
)
def test_rejected_submission_saves_nothing(overrides: dict[str, Any], field: str) -> None:
    before = _counts()
    response = APIClient().post("/api/v1/reports", report_payload(**overrides), format="json")

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "validation_error"
    assert field in response.json()["fields"]
    assert _counts() == before


def test_malformed_json_is_400_and_saves_nothing() -> None:
    before = _counts()
    response = APIClient().post(
        "/api/v1/reports", data='{"entity": "UNW", "narrative": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert _counts() == before


def test_json_that_is_not_an_object_is_400() -> None:
    response = APIClient().post("/api/v1/reports", data="[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"


def test_malformed_json_on_the_session_endpoint_is_400() -> None:
    response = APIClient().post(
        "/api/v1/reporter/session", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_consents_must_be_json_booleans(db: Any, entity: Any) -> None:
    """Regression (case-workflow review, fixed in 080b1fb): consents are JSON booleans: "yes" is a
    validation error, and nothing is recorded."""
    body = {
        "entity": "UNW",
        "category": "verbal",
        "route": "record_only",
        "narrative": "n",
        "reporter_role": "witness",
        "identity_disclosure": "anonymous",
        "consents": {"case_review": "yes"},
    }
    response = APIClient().post("/api/v1/reports", body, format="json")
    assert response.status_code == 400
    assert "consents" in response.json()["fields"]
    assert not Consent.objects.exists()
