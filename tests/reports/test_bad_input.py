"""Bad input: receipt guessing is slowed without keeping addresses, and a rejected submission
changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Entity
from audit.models import AuditEntry
from cases.models import Case
from notifications.models import OutboxMessage
from reports.models import Consent, Report, TimelineEntry
from reports.receipts import receipt_new
from tests.reports.helpers import columns_containing, report_payload, submit
from vault.models import DataKey, KeyWrap

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]


def _guess(client: APIClient, receipt: str | None = None) -> Any:
    return client.post(
        "/api/v1/reporter/session", {"receipt": receipt or receipt_new()}, format="json"
    )


def test_sixth_receipt_attempt_after_five_failures_is_429_rate_limited() -> None:
    client = APIClient()
    for _ in range(5):
        response = _guess(client)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_receipt"

    sixth = _guess(client)

    assert sixth.status_code == 429
    body = sixth.json()
    assert body["error"] == "rate_limited"
    assert isinstance(body["retry_after"], int) and body["retry_after"] > 0
    assert int(sixth["Retry-After"]) == body["retry_after"]


def test_rate_limit_also_stops_a_correct_receipt_during_the_window() -> None:
    receipt = submit()["receipt"]
    client = APIClient()
    for _ in range(5):
        _guess(client)
    response = _guess(client, receipt)
    assert response.status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_limit() -> None:
    receipt = submit()["receipt"]
    client = APIClient()
    for _ in range(8):
        assert _guess(client, receipt).status_code == 200


def test_receipts_of_the_wrong_shape_count_as_failed_attempts() -> None:
    client = APIClient()
    for typed in ["x", "0000-0000-0000-0000-0000", "A" * 100, "R-ABCDEFGH", receipt_new()]:
        response = client.post("/api/v1/reporter/session", {"receipt": typed}, format="json")
        assert response.status_code == 401, typed
        assert response.json()["error"] == "invalid_receipt"
    assert _guess(client).status_code == 429


def test_html_access_is_rate_limited_as_well() -> None:
    browser = Client()
    for _ in range(5):
        assert browser.post("/access/", {"receipt": receipt_new()}).status_code == 401
    sixth = browser.post("/access/", {"receipt": receipt_new()})
    assert sixth.status_code == 429
    assert int(sixth["Retry-After"]) > 0


def test_guessing_stores_no_ip_address_in_the_database_or_the_cache() -> None:
    client = APIClient(REMOTE_ADDR="203.0.113.45")
    for _ in range(6):
        _guess(client)
    assert _guess(client).status_code == 429

    assert columns_containing("203.0.113.45") == []
    assert columns_containing("127.0.0.1") == []
    # The throttle's counters live in Redis under a keyed pseudonym of the address.
    store = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(store.scan_iter())
    assert keys, "the throttle keeps its counters in the shared cache"
    for key in keys:
        assert b"203.0.113.45" not in key
        if store.type(key) == b"string":
            assert b"203.0.113.45" not in (store.get(key) or b"")


def test_counters_of_one_address_do_not_block_another() -> None:
    guesser = APIClient(REMOTE_ADDR="203.0.113.45")
    for _ in range(5):
        _guess(guesser)
    assert _guess(guesser).status_code == 429
    assert _guess(APIClient(REMOTE_ADDR="198.51.100.9")).status_code == 401


# --- Rejected submissions -------------------------------------------------------------------


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


def test_html_wizard_with_an_unknown_entity_stays_on_the_step_and_saves_nothing() -> None:
    response = Client().post(
        "/report/", {"step": "about", "reporter_role": "witness", "entity": "NOPE"}
    )
    assert response.status_code == 400
    assert b'name="step" value="about"' in response.content
    assert Report.objects.count() == 0
