"""manage.py shred_report: crypto-shredding one report through the command an operator runs."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from portal.services import ReportSubmission, report_submit
from reports.models import Report, ReporterSession
from vault import envelope
from vault.models import KeyWrap

pytestmark = pytest.mark.django_db


def _submit(entity: Any) -> tuple[Report, str]:
    submitted = report_submit(
        submission=ReportSubmission(
            entity=entity,
            category="verbal",
            route="informal",
            informal_channel="ombudsperson",
            narrative="CANARY-SHRED",
            reporter_role="witness",
            identity_disclosure="anonymous",
            consents={"case_review": True},
        )
    )
    return submitted.report, submitted.receipt


def test_shredded_report_cannot_be_read_by_anyone(entity: Any) -> None:
    report, receipt = _submit(entity)
    reporter = APIClient()
    token = reporter.post("/api/v1/reporter/session", {"receipt": receipt}, format="json").json()[
        "token"
    ]

    out = StringIO()
    call_command("shred_report", report.reference, "--yes", stdout=out)

    assert "shredded" in out.getvalue()
    assert not KeyWrap.objects.filter(data_key=report.data_key).exists()
    assert not ReporterSession.objects.filter(report=report).exists()
    with pytest.raises(envelope.DataKeyShreddedError):
        envelope.open_with_organisation_key(report.data_key)
    # The receipt no longer opens it, and a session opened before the shred is gone too.
    assert (
        reporter.post("/api/v1/reporter/session", {"receipt": receipt}, format="json").status_code
        == 401
    )
    reporter.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert reporter.get("/api/v1/reporter/report").status_code == 401


def test_shred_needs_confirmation_and_a_known_reference(entity: Any) -> None:
    report, _receipt = _submit(entity)
    with pytest.raises(CommandError):
        call_command("shred_report", report.reference)
    assert KeyWrap.objects.filter(data_key=report.data_key).exists()
    with pytest.raises(CommandError):
        call_command("shred_report", "R-NOPE", "--yes")
