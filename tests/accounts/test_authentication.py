"""Staff sign-in for the API: password and TOTP give an expiring bearer token
(``accounts.services``), which ``accounts.authentication`` accepts and nothing else does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role, StaffToken
from audit.models import AuditEntry
from cases import api as cases_api
from cases.services import correspondence
from tests.helpers.reporter import WORKFLOW_CONSENTS, sign_in
from tests.helpers.staff import PASSWORD, current_otp

pytestmark = pytest.mark.django_db


def test_token_needs_the_totp_code(focal_point: Any) -> None:
    response = APIClient().post(
        "/api/v1/auth/token",
        {"username": focal_point.username, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 401
    assert response.json()["error"] == "otp_required"
    assert not StaffToken.objects.exists()


def test_wrong_totp_code_is_otp_required(focal_point: Any) -> None:
    response = APIClient().post(
        "/api/v1/auth/token",
        {"username": focal_point.username, "password": PASSWORD, "otp": "000000"},
        format="json",
    )
    assert response.status_code == 401
    assert response.json()["error"] == "otp_required"


def test_wrong_password_is_invalid_credentials(focal_point: Any) -> None:
    response = APIClient().post(
        "/api/v1/auth/token",
        {"username": focal_point.username, "password": "nope", "otp": current_otp(focal_point)},
        format="json",
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_credentials"


def test_token_is_issued_with_role_and_expiry_and_the_login_is_audited(focal_point: Any) -> None:
    response = APIClient().post(
        "/api/v1/auth/token",
        {"username": focal_point.username, "password": PASSWORD, "otp": current_otp(focal_point)},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == Role.FOCAL_POINT
    assert 0 < body["expires_in"] <= 8 * 3600
    # Only a keyed hash of the token is stored.
    assert not StaffToken.objects.filter(token_index=body["token"]).exists()
    assert AuditEntry.objects.filter(action="staff.login", actor=focal_point).exists()


def test_expired_token_is_refused(focal_point: Any, staff_api: Any) -> None:
    client = staff_api(focal_point)
    assert client.get("/api/v1/cases").status_code == 200
    StaffToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_staff_api_without_token_is_not_authenticated(db: Any) -> None:
    response = APIClient().get("/api/v1/cases")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_reporter_token_does_not_open_staff_endpoints(submit_report: Any) -> None:
    reporter = sign_in(submit_report().receipt)
    assert reporter.get("/api/v1/cases").status_code == 401


def test_a_totp_code_cannot_be_replayed(focal_point: Any) -> None:
    code = current_otp(focal_point)
    body = {"username": focal_point.username, "password": PASSWORD, "otp": code}
    assert APIClient().post("/api/v1/auth/token", body, format="json").status_code == 200
    replay = APIClient().post("/api/v1/auth/token", body, format="json")
    assert replay.status_code == 401
    assert replay.json()["error"] == "otp_required"


def test_a_token_revoked_while_its_request_runs_finishes_that_request_then_is_401_issue_10(
    open_case: Any, focal_point: Any, staff_api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a staff request already signed in when its token is revoked (the account
    # deactivated, every token deleted) before its write runs
    case = open_case(consents=WORKFLOW_CONSENTS)
    client = staff_api(focal_point)
    real_note_add = correspondence.note_add

    def revoked_meanwhile(**kwargs: Any) -> Any:
        StaffToken.objects.all().delete()
        return real_note_add(**kwargs)

    monkeypatch.setattr(cases_api, "note_add", revoked_meanwhile)

    # When it goes on, then it is answered as it was signed in (nothing of the token is saved
    # again), and the next request is signed out: never a 500
    assert (
        client.post(f"/api/v1/cases/{case.id}/notes", {"body": "x"}, format="json").status_code
        == 201
    )
    after = client.post(f"/api/v1/cases/{case.id}/notes", {"body": "y"}, format="json")
    assert after.status_code == 401
    assert after.json()["error"] == "not_authenticated"
