"""Fixtures for the case workflow tests: reports submitted through the service, staff with
API tokens obtained the way a client does (password and TOTP)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from django_otp.oath import totp
from rest_framework.test import APIClient

from accounts.models import Entity, Role, User
from cases.models import Case
from portal.services import ReportSubmission, report_submit
from reports.models import Report

PASSWORD = "correct horse battery staple"
# Receipts of the reports made in a test, by report id (a receipt is stored nowhere else).
RECEIPTS: dict[Any, str] = {}


def receipt_of(case: Case) -> str:
    return RECEIPTS[case.report_id]


def current_otp(user: Any) -> str:
    return f"{totp(base64.b32decode(user.totp_secret)):06d}"


@pytest.fixture
def submit_report(entity: Entity) -> Callable[..., Report]:
    def submit(
        *,
        route: str = "informal",
        channel: str = "ombudsperson",
        consents: dict[str, bool] | None = None,
        narrative: str = "He followed me to my car after the team dinner.",
        entity_obj: Entity | None = None,
        identity: dict[str, str] | None = None,
    ) -> Report:
        submission = ReportSubmission(
            entity=entity_obj or entity,
            category="physical",
            route=route,
            informal_channel=channel if route == "informal" else "",
            narrative=narrative,
            reporter_role="affected_person",
            identity_disclosure="confidential" if identity else "anonymous",
            identity=identity,
            consents={"case_review": True} if consents is None else consents,
        )
        submitted = report_submit(submission=submission)
        report = submitted.report
        report.receipt = submitted.receipt  # type: ignore[attr-defined]
        RECEIPTS[report.id] = submitted.receipt
        return report

    return submit


@pytest.fixture
def open_case(submit_report: Callable[..., Report]) -> Callable[..., Case]:
    def make(**kwargs: Any) -> Case:
        report = submit_report(**kwargs)
        return Case.objects.select_related("report").get(report=report)

    return make


def force_state(case: Case, state: str, **fields: Any) -> Case:
    """Test set-up only: put a case in a state without running the transitions before it."""
    Case.objects.filter(pk=case.pk).update(state=state, **fields)
    return Case.objects.select_related("report").get(pk=case.pk)


@pytest.fixture
def focal_point(make_staff: Callable[..., User]) -> User:
    return make_staff(Role.FOCAL_POINT, username="fp_one")


@pytest.fixture
def second_focal_point(make_staff: Callable[..., User]) -> User:
    return make_staff(Role.FOCAL_POINT, username="fp_two")


def api_for(user: Any) -> APIClient:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token",
        {"username": user.username, "password": PASSWORD, "otp": current_otp(user)},
        format="json",
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    return client


@pytest.fixture
def staff_api() -> Callable[[Any], APIClient]:
    # One signed-in client per user and test: a TOTP code is accepted only once (replay guard).
    clients: dict[int, APIClient] = {}

    def client_for(user: Any) -> APIClient:
        if user.pk not in clients:
            clients[user.pk] = api_for(user)
        return clients[user.pk]

    return client_for
