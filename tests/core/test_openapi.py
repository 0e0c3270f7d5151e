"""The generated OpenAPI schema (``core.openapi`` describes the two bearer tokens): it builds
without warnings, holds the contract's endpoints and is served."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_generates_without_warnings(tmp_path: Any) -> None:
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
