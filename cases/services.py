"""Writes on cases: opening, transitions, assignment, messages, overrides."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from audit.services import audit_record
from cases.models import Case
from notifications.services import outbox_enqueue
from reports.models import Report

ACKNOWLEDGEMENT_DAYS = 7


def _entity_focal_point_ids(entity_id: int) -> list[int]:
    return list(
        User.objects.filter(entity_id=entity_id, role=Role.FOCAL_POINT, is_active=True).values_list(
            "id", flat=True
        )
    )


def case_alert_staff(*, report: Report, kind: str) -> None:
    """Tell the people handling the case that something changed (never what was written)."""
    case = Case.objects.filter(report=report).only("assigned_to_id", "entity_id").first()
    if case is None:
        return
    recipients = (
        [case.assigned_to_id] if case.assigned_to_id else _entity_focal_point_ids(case.entity_id)
    )
    outbox_enqueue(
        topic="staff_alert",
        payload={"kind": kind, "reference": report.reference, "user_ids": recipients},
    )


@transaction.atomic
def case_open(*, report: Report, at: datetime | None = None) -> Case:
    """Open the case for a report whose reporter granted case review (state ``received``)."""
    from reports.services import timeline_add

    case = Case(
        report=report,
        entity_id=report.entity_id,
        acknowledgement_due=report.submitted_on + timedelta(days=ACKNOWLEDGEMENT_DAYS),
        opened_at=at or timezone.now(),
    )
    case.save()
    timeline_add(report, "case_opened", at=at)
    audit_record(stream=report.id, action="case.opened", detail={"state": case.state}, at=at)
    case_alert_staff(report=report, kind="case_opened")
    return case
