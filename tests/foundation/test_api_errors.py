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


# The contract's error table: status -> the codes it may carry.
CONTRACT_ERRORS = {
    400: {"validation_error"},
    401: {"invalid_receipt", "invalid_credentials", "otp_required", "not_authenticated"},
    403: {"forbidden"},
    404: {"not_found"},
    409: {"consent_required", "transition_not_allowed", "conflict"},
    413: {"too_large"},
    429: {"rate_limited"},
}


def _domain_errors() -> list[type]:
    # Importing the apps' services registers their refusals as subclasses.
    import accounts.services
    import cases.errors
    import referrals.services  # noqa: F401
    from core.errors import DomainError

    found: list[type] = []
    pending = list(DomainError.__subclasses__())
    while pending:
        error = pending.pop()
        found.append(error)
        pending.extend(error.__subclasses__())
    assert accounts.services.StaffUserInputError in found
    assert cases.errors.CaseConflictError in found
    return found


def test_every_domain_refusal_carries_a_contract_code_and_its_status() -> None:
    errors = _domain_errors()
    assert len(errors) >= 20
    for error in errors:
        assert error.code in CONTRACT_ERRORS.get(error.status, set()), error  # type: ignore[attr-defined]


def test_a_domain_refusal_becomes_the_contract_body_in_the_one_handler() -> None:
    from cases.errors import ConsentRequiredError, ReportUnreadableError, TransitionNotAllowedError
    from core.api_errors import api_exception_handler
    from core.errors import DomainError, ValidationFailed

    def answer(error: DomainError) -> tuple[int, dict[str, Any]]:
        response = api_exception_handler(error, {})
        assert response is not None
        assert isinstance(response.data["detail"], str) and response.data["detail"]
        return response.status_code, dict(response.data)

    status, body = answer(ConsentRequiredError(["mediation"]))
    assert (status, body["error"], body["missing"]) == (409, "consent_required", ["mediation"])
    status, body = answer(ReportUnreadableError())
    assert (status, body["error"], body["missing"]) == (409, "consent_required", ["case_review"])
    status, body = answer(TransitionNotAllowedError(["close"]))
    assert (status, body["error"], body["allowed"]) == (409, "transition_not_allowed", ["close"])
    status, body = answer(ValidationFailed({"body": ["Write something."]}))
    assert (status, body["error"], body["fields"]) == (
        400,
        "validation_error",
        {"body": ["Write something."]},
    )
