"""API failures use the contract's JSON error body, never an HTML page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/entities/UNW", "/api/v2/entities"])
def test_an_unknown_api_path_is_a_json_not_found(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == "not_found"
    assert isinstance(body["detail"], str) and body["detail"]


def test_an_unknown_page_outside_the_api_is_html(client: Client) -> None:
    response = client.get("/nope")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_wrong_method_on_the_api_is_a_json_error(client: Client) -> None:
    response = client.post("/api/v1/entities", data={}, content_type="application/json")

    assert response.status_code == 405
    body = response.json()
    assert body["error"] == "method_not_allowed"
    assert isinstance(body["detail"], str) and body["detail"]


def test_the_openapi_schema_generates_without_warnings(tmp_path: Any) -> None:
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    schema = target.read_text()
    for path in (
        "/api/v1/reports",
        "/api/v1/reporter/session",
        "/api/v1/cases/{case_id}/transitions/{name}",
        "/api/v1/auth/token",
        "/api/v1/overrides/{override_id}/approve",
    ):
        assert path in schema


def test_the_schema_is_served(client: Any, db: Any) -> None:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/reports" in response.content
