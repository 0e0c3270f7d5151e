"""Opening a case for a report, and alerting the staff who handle it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.models import User
from accounts.selectors import entity_case_handler_ids, senior_focal_point_ids
from audit.models import AuditAction
from audit.services import audit_record
from cases.deadlines import acknowledgement_due_for
from cases.models import Case
from notifications.services import outbox_enqueue
from reports.models import Report
from reports.timeline import timeline_add
from reports.vocabulary import ReportKind, TimelineEvent


def case_alert_staff(*, report: Report, kind: str, obscure_time: bool = False) -> None:
    """Tell the people handling the case that something changed (never what was written)."""
    case = Case.objects.filter(report=report).only("assigned_to_id", "entity_id").first()
    if case is None:
        return
    recipients = (
        [case.assigned_to_id] if case.assigned_to_id else entity_case_handler_ids(case.entity_id)
    )
    staff_alert_send(
        kind=kind, reference=report.reference, user_ids=recipients, obscure_time=obscure_time
    )


def staff_alert_send(
    *, kind: str, reference: str, user_ids: list[int], obscure_time: bool = False
) -> None:
    """Queue an email to these staff that the case needs attention: its reference, never content."""
    outbox_enqueue(
        topic="staff_alert",
        payload={"kind": kind, "reference": reference, "user_ids": user_ids},
        obscure_time=obscure_time,
    )


def _original_handler(report: Report) -> User | None:
    """The focal point who holds the case a report of retaliation follows, if they still may."""
    if report.retaliation_of_id is None:
        return None
    original = Case.objects.filter(report_id=report.retaliation_of_id).first()
    if original is None or original.assigned_to is None or not original.assigned_to.is_active:
        return None
    handler = original.assigned_to
    return handler if policy.may_be_assigned(handler, original) else None


@transaction.atomic
def case_open(*, report: Report, at: datetime | None = None) -> Case:
    """Open the case for a report whose reporter granted case review (state ``received``).

    The case of a report of retaliation is due within working days, goes to the focal point who
    holds the original case, and reaches the entity's senior focal points as well (issue 12).
    """
    retaliation = report.kind == ReportKind.RETALIATION
    handler = _original_handler(report) if retaliation else None
    case = Case(
        report=report,
        entity_id=report.entity_id,
        acknowledgement_due=acknowledgement_due_for(report),
        opened_at=at or timezone.now(),
        assigned_to=handler,
    )
    case.save()
    timeline_add(report, TimelineEvent.CASE_OPENED, at=at)
    detail: dict[str, object] = {"state": case.state}
    if retaliation:
        detail |= {"kind": report.kind, "assigned_to_original_handler": handler is not None}
    audit_record(stream=report.id, action=AuditAction.CASE_OPENED, detail=detail, at=at)
    # Opened at submission (``at`` given): the alert must not date the submission.
    if retaliation:
        recipients = {*senior_focal_point_ids(report.entity_id)}
        if handler is not None:
            recipients.add(handler.id)
        staff_alert_send(
            kind="retaliation_reported",
            reference=report.reference,
            user_ids=sorted(recipients or entity_case_handler_ids(report.entity_id)),
            obscure_time=at is not None,
        )
    else:
        case_alert_staff(report=report, kind="case_opened", obscure_time=at is not None)
    return case
