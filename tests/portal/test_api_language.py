"""The reporter's API speaks the reporter's language (issue 13, item 1): its errors, status
labels and timeline follow Accept-Language (the API has no address prefix), while its codes
stay the contract's."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from reports.timeline import status_label
from tests.helpers.reporter import report_payload, submit

pytestmark = pytest.mark.django_db


def test_an_error_is_explained_in_the_reporter_s_language_with_the_contract_s_code(
    entity: Any,
) -> None:
    refused = APIClient(HTTP_ACCEPT_LANGUAGE="fr").post(
        "/api/v1/reports", {**report_payload(), "narrative": ""}, format="json"
    )
    assert refused.status_code == 400
    body = refused.json()
    assert body["error"] == "validation_error"
    assert "Certains champs nécessitent votre attention." in str(body)


@pytest.mark.parametrize("language", ["ar", "zh-hans", "ru", "es", "fr"])
def test_the_reporter_reads_their_report_s_status_and_timeline_in_their_language(
    entity: Any, language: str
) -> None:
    receipt = submit()["receipt"]
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    token = client.post("/api/v1/reporter/session", {"receipt": receipt}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
    seen = client.get("/api/v1/reporter/report").json()
    with translation.override(language):
        expected = status_label("received")
    with translation.override("en"):
        english = status_label("received")
    assert seen["status_label"] == expected != english
    assert seen["state"] == "received"
    assert all(entry["label"] for entry in seen["timeline"])
