"""Crypto-shredding a report: once its data key is gone, nothing it protected can be read."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from reports.models import Report, ReporterSession
from vault import envelope


@transaction.atomic
def report_key_shred(*, report: Report, actor: User | None) -> None:
    """Crypto-shredding: every wrapping of the data key, and every session copy, is destroyed.

    The record's part only: ``cases.services.shredding.report_shred`` calls it and closes the
    report's case as well, and is what everything else calls; it has locked the report.
    """
    ReporterSession.objects.filter(report=report).delete()
    envelope.data_key_shred(data_key=report.data_key)
    audit_record(stream=report.id, action=AuditAction.REPORT_SHREDDED, actor=actor)
