"""The generated OpenAPI schema (``core.openapi`` describes the two bearer tokens and the error
answers): it builds without warnings, holds the contract's endpoints, documents every refusal
and is served."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

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
        "/api/v1/overrides/{override_id}/notice",
    ):
        assert path in schema
    # Issue 12: the override's optional ground, and what its absence records, are documented
    assert "not_named" in schema
    assert "notice_deferral_reason" in schema


def test_the_schema_is_served(client: Any, db: Any) -> None:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/reports" in response.content


def _schema() -> dict[str, Any]:
    generated: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return generated


def test_every_operation_documents_the_refusals_its_shape_implies_issue_10() -> None:
    schema = _schema()
    error = {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["error", "detail"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = operation["responses"]
            expected = {"400"}
            if any(operation.get("security", [])):
                expected |= {"401", "403"}
            if "{" in path:
                expected.add("404")
            if "requestBody" in operation:
                expected |= {"413", "415"}
            assert expected <= set(documented), f"{method.upper()} {path}: {sorted(documented)}"
            for status, response in documented.items():
                if status.startswith(("4", "5")):
                    assert response["content"]["application/json"]["schema"] == error, status


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/api/v1/reporter/session", {"401", "429", "503"}),
        ("post", "/api/v1/auth/token", {"401", "429", "503"}),
        ("post", "/api/v1/auth/enrol", {"401"}),
        ("post", "/api/v1/reports", {"429"}),
        ("post", "/api/v1/reporter/messages", {"409"}),
        ("post", "/api/v1/cases/{case_id}/transitions/{name}", {"409"}),
        ("post", "/api/v1/overrides/{override_id}/approve", {"409"}),
        ("post", "/api/v1/cases/{case_id}/assignment", {"202"}),
    ],
)
def test_each_door_documents_its_own_answers_issue_10(
    method: str, path: str, statuses: set[str]
) -> None:
    assert statuses <= set(_schema()["paths"][path][method]["responses"])
