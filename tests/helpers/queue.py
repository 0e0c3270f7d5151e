"""Many cases quickly, for the lists' paging tests (issue 15)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from cases.models import Case
from cases.vocabulary import CaseState
from reports.models import Report
from reports.receipts import reference_new
from vault.models import DataKey


def case_copies(case: Case, count: int) -> list[Case]:
    """``count`` copies of ``case`` (report and key included), each received a day before the
    next, with deadlines and states spread so that every order differs and keys tie: filing 60
    reports through the service would take minutes, and a list reads only these columns."""
    made = []
    today = timezone.localdate()
    states = [CaseState.RECEIVED, CaseState.ACKNOWLEDGED, CaseState.CLOSED]
    for number in range(count):
        key = DataKey.objects.get(pk=case.report.data_key_id)
        key.pk = uuid.uuid4()
        key.save(force_insert=True)
        report = Report.objects.get(pk=case.report_id)
        report.pk = uuid.uuid4()
        report.reference = reference_new()
        report.receipt_index = uuid.uuid4().hex
        report.data_key = key
        # Days repeat every seven copies: ties the last keys must break.
        report.submitted_on = today - timedelta(days=number % 7)
        report.save(force_insert=True)
        state = states[number % 3]
        copy = Case(
            report=report,
            entity_id=case.entity_id,
            state=state,
            opened_at=case.opened_at - timedelta(hours=number),
            acknowledgement_due=today + timedelta(days=number % 5 - 2),
            acknowledged_at=None if state == CaseState.RECEIVED else timezone.now(),
            feedback_due=None
            if state == CaseState.RECEIVED
            else today + timedelta(days=number % 4),
            labels=["urgent"] if number % 2 else [],
        )
        copy.save()
        made.append(copy)
    return made
