"""A NUL byte anywhere in a request is a 400, never a 500 (issue 10, item 8, in part).

Regression: a NUL in the staff sign-in's username reached PostgreSQL, which refuses it in a
text value, and the page and the API answered 500.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from audit.models import AuditEntry
from portal.services import reporter_session_start
from tests.helpers.reporter import receipt_of

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/auth/token", '{"username": "a\\u0000b", "password": "x", "otp": "1"}', "body"),
        ("/api/v1/reporter/session", '{"receipt": "AB\\u0000CD"}', "body"),
        ("/api/v1/reports", '{"narrative": "x\\u0000"}', "body"),
        ("/api/v1/auth/enrol", '{"token": "t\\u0000", "password": "p"}', "body"),
    ],
)
def test_a_nul_in_a_json_body_is_a_validation_error(path: str, body: str, field: str) -> None:
    response = Client(raise_request_exception=False).post(path, body, content_type=JSON)

    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "validation_error"
    assert field in answer["fields"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/cases?state=%00", "state"),
        ("/api/v1/entities?x=a%00", "x"),
        ("/api/v1/cases/%00", "path"),
    ],
)
def test_a_nul_in_the_query_string_or_path_of_the_api_names_where(path: str, field: str) -> None:
    response = Client(raise_request_exception=False).get(path)

    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/staff/login/", {"username": "a\x00b", "password": "x", "otp": "123456"}),
        ("/access/", {"receipt": "AB\x00CD"}),
        ("/report/", {"step": "about", "reporter_role": "witness\x00"}),
    ],
)
def test_a_nul_in_a_form_is_a_calm_page_that_changes_nothing(
    path: str, data: dict[str, Any]
) -> None:
    entries = AuditEntry.objects.count()

    response = Client(raise_request_exception=False).post(path, data)

    assert response.status_code == 400
    assert "This could not be read" in response.content.decode()
    assert 'href="/exit/"' in response.content.decode()  # the quick exit stays at hand
    assert AuditEntry.objects.count() == entries
    assert not User.objects.exists()


def test_a_nul_in_a_page_address_is_a_calm_page() -> None:
    response = Client(raise_request_exception=False).get("/report/?step=%00")

    assert response.status_code == 400
    assert "This could not be read" in response.content.decode()


def test_text_without_nul_passes_untouched(entity: Any) -> None:
    response = Client().get("/api/v1/entities?x=caf%C3%A9")

    assert response.status_code == 200


def test_an_unreadable_multipart_body_on_the_api_is_a_json_validation_error_issue_10(
    open_case: Any,
) -> None:
    # Found by the schema fuzzing: a multipart upload without its boundary was answered with
    # the HTML error page, not the contract's JSON.
    token, _session = reporter_session_start(receipt=receipt_of(open_case()))
    response = Client().generic(
        "POST",
        "/api/v1/reporter/attachments",
        b"--no boundary was declared--",
        content_type="multipart/form-data",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "validation_error"
    assert response.json()["fields"] == {
        "file": ["Send the file as multipart/form-data in the field 'file'."]
    }
