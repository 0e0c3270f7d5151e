"""The audit trail of a case, as the tests read it."""

from __future__ import annotations

from audit.models import AuditEntry
from cases.models import Case


def audit_length(case: Case) -> int:
    """How many entries the case's report has in its audit stream."""
    return AuditEntry.objects.filter(stream=str(case.report_id)).count()


def audit_actions_since(case: Case, before: int) -> list[str]:
    """The actions of the case's audit stream after its first ``before`` entries, in order."""
    entries = AuditEntry.objects.filter(stream=str(case.report_id)).order_by("position")
    return [entry.action for entry in entries[before:]]
