"""Opening a case for a report, and alerting the staff who handle it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.models import User
from accounts.selectors import entity_case_handlers, senior_focal_point_ids
from audit.models import AuditAction
from audit.services import audit_record
from cases.deadlines import acknowledgement_due_for
from cases.models import Case
from notifications.services import outbox_enqueue
from reports.conflicts import without_conflicts
from reports.models import Report
from reports.timeline import timeline_add
from reports.vocabulary import ReportKind, TimelineEvent


def case_alert_staff(*, report: Report, kind: str, obscure_time: bool = False) -> None:
    """Tell the people handling the case that something changed (never what was written)."""
    case = (
        Case.objects.filter(report=report)
        # With its state: the transition mixin reads it as the row loads, so leaving it out
        # costs a second query for it.
        .only("assigned_to_id", "entity_id", "handling_entity_id", "state")
        .first()
    )
    if case is None:
        return
    # An assignee in conflict (declared, named, or declined by the reporter) holds the case only
    # until a colleague reassigns it: they no longer see it, so its news goes to those who may.
    recipients: list[int] = []
    if case.assigned_to_id is not None:
        assignee = User.objects.filter(id=case.assigned_to_id)
        recipients = list(without_conflicts(assignee, report.id).values_list("id", flat=True))
    recipients = recipients or case_handler_ids_free_of_conflict(case.handler_entity_id, report.id)
    staff_alert_send(
        kind=kind, reference=report.reference, user_ids=recipients, obscure_time=obscure_time
    )


def case_handler_ids_free_of_conflict(entity_id: int, report_id: uuid.UUID) -> list[int]:
    """The entity's case handlers to tell about a case, less those in conflict with it (they
    do not see it, and an alert would tell a person named in a report that it exists)."""
    handlers = without_conflicts(entity_case_handlers(entity_id), report_id)
    return list(handlers.values_list("id", flat=True))


def senior_focal_point_ids_free_of_conflict(case: Case, *, also: Iterable[int] = ()) -> list[int]:
    """Whom a matter for the entity's seniors reaches (a report of retaliation, a rights
    concern): its senior focal points and ``also``, less those in conflict with the case; while
    none is left, the case handlers free of conflict, so that it does not go unread."""
    told = User.objects.filter(id__in={*senior_focal_point_ids(case.entity_id), *also})
    free = sorted(without_conflicts(told, case.report_id).values_list("id", flat=True))
    return free or case_handler_ids_free_of_conflict(case.handler_entity_id, case.report_id)


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


def _route_senior_subject(case: Case, report: Report) -> None:
    """A case about someone senior goes to the entity's independent handler, outside its line
    (issue 12). Without one named, it stays, and its audit entry and case page say so."""
    if report.subject_senior and report.entity.independent_handler_id is not None:
        case.handling_entity = report.entity.independent_handler


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
    _route_senior_subject(case, report)
    case.save()
    timeline_add(report, TimelineEvent.CASE_OPENED, at=at)
    detail: dict[str, object] = {"state": case.state}
    if retaliation:
        detail |= {"kind": report.kind, "assigned_to_original_handler": handler is not None}
    audit_record(stream=report.id, action=AuditAction.CASE_OPENED, detail=detail, at=at)
    if report.subject_senior:
        # Explicit and audited: who handles a case about a senior person, and why.
        independent = case.handling_entity
        if independent is not None:
            timeline_add(report, TimelineEvent.ROUTED_INDEPENDENTLY, at=at)
        audit_record(
            stream=report.id,
            action=AuditAction.CASE_ROUTED_INDEPENDENTLY,
            detail={
                "reason": "senior_subject",
                "from": report.entity.code,
                "to": independent.code if independent else None,
            },
            at=at,
        )
    # Opened at submission (``at`` given): the alert must not date the submission.
    if retaliation:
        # Nobody in conflict with the report is told it exists.
        staff_alert_send(
            kind="retaliation_reported",
            reference=report.reference,
            user_ids=senior_focal_point_ids_free_of_conflict(
                case, also=[handler.id] if handler is not None else []
            ),
            obscure_time=at is not None,
        )
    else:
        case_alert_staff(report=report, kind="case_opened", obscure_time=at is not None)
    return case
