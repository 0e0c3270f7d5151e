"""Opening a case for a report, and alerting the staff who handle it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.selectors import entity_case_handler_ids
from audit.models import AuditAction
from audit.services import audit_record
from cases.models import Case
from notifications.services import outbox_enqueue
from reports.limits import ACKNOWLEDGEMENT_DAYS
from reports.models import Report
from reports.timeline import timeline_add
from reports.vocabulary import TimelineEvent


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


@transaction.atomic
def case_open(*, report: Report, at: datetime | None = None) -> Case:
    """Open the case for a report whose reporter granted case review (state ``received``)."""
    case = Case(
        report=report,
        entity_id=report.entity_id,
        acknowledgement_due=report.submitted_on + timedelta(days=ACKNOWLEDGEMENT_DAYS),
        opened_at=at or timezone.now(),
    )
    case.save()
    timeline_add(report, TimelineEvent.CASE_OPENED, at=at)
    audit_record(
        stream=report.id, action=AuditAction.CASE_OPENED, detail={"state": case.state}, at=at
    )
    # Opened at submission (``at`` given): the alert must not date the submission.
    case_alert_staff(report=report, kind="case_opened", obscure_time=at is not None)
    return case
