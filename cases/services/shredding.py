"""Crypto-shredding a report, and closing its case for that reason."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from cases.models import Case, Override, Reassignment
from cases.transitions import SYSTEM_TRANSITIONS
from cases.vocabulary import CaseState
from reports.locking import report_lock
from reports.models import Report
from reports.shredding import report_key_shred

CLOSE_SHREDDED = SYSTEM_TRANSITIONS["close_shredded"]


@transaction.atomic
def report_shred(*, report: Report, actor: User | None) -> Case | None:
    """Destroy the report's data key and close its case (closure reason ``shredded``).

    Returns the case, if the report had one. A case closed before keeps the reason it was
    closed for: it had ended, and its closure was counted, before the report was shredded.
    Either way the case takes nothing more (``cases.transitions.ReportNotShredded``).
    """
    # The report's lock first, as every writer takes it: a step, message or consent running
    # now lands before the shred, or waits and then meets a shredded report.
    report_lock(report.pk)
    report_key_shred(report=report, actor=actor)
    case = Case.objects.select_for_update().filter(report=report).first()
    if case is None or case.state == CaseState.CLOSED:
        return case
    from_state = case.state
    case.close_shredded()
    case.save()
    now = timezone.now()
    # Nothing can be approved for a case that takes no step.
    case.overrides.filter(status=Override.Status.PENDING).update(
        status=Override.Status.REJECTED, decided_at=now
    )
    case.reassignments.filter(status=Reassignment.Status.PENDING).update(
        status=Reassignment.Status.LAPSED
    )
    audit_record(
        stream=report.id,
        action=AuditAction.CASE_TRANSITION,
        actor=actor,
        detail={
            "transition": CLOSE_SHREDDED.name,
            "from": from_state,
            "to": case.state,
            "closure_reason": case.closure_reason,
        },
    )
    return case
