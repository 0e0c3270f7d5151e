"""Crypto-shredding a report (``reports.shredding``) through ``manage.py shred_report``, the
command an operator runs."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from reports.models import ReporterSession
from tests.helpers.reporter import receipt_of, sign_in
from vault import envelope, readers
from vault.models import KeyWrap

pytestmark = pytest.mark.django_db


def test_shredded_report_cannot_be_read_by_anyone(submit_report: Any, focal_point: Any) -> None:
    report = submit_report(narrative="CANARY-SHRED")
    reporter = sign_in(receipt_of(report))

    out = StringIO()
    call_command("shred_report", report.reference, "--yes", stdout=out)

    assert "shredded" in out.getvalue()
    assert not KeyWrap.objects.filter(data_key=report.data_key).exists()
    assert not ReporterSession.objects.filter(report=report).exists()
    with pytest.raises(envelope.DataKeyShreddedError):
        envelope.open_as_recipient(report.data_key, readers.unlocked_of(focal_point))  # type: ignore[arg-type]
    # The receipt no longer opens it, and a session opened before the shred is gone too.
    retried = APIClient().post(
        "/api/v1/reporter/session", {"receipt": receipt_of(report)}, format="json"
    )
    assert retried.status_code == 401
    assert reporter.get("/api/v1/reporter/report").status_code == 401


def test_shred_needs_confirmation_and_a_known_reference(submit_report: Any) -> None:
    report = submit_report(narrative="CANARY-SHRED")
    with pytest.raises(CommandError):
        call_command("shred_report", report.reference)
    assert KeyWrap.objects.filter(data_key=report.data_key).exists()
    with pytest.raises(CommandError):
        call_command("shred_report", "R-NOPE", "--yes")
