"""When a case's acknowledgement is due.

A report is acknowledged within ``ACKNOWLEDGEMENT_DAYS`` calendar days of its submission; a
report of retaliation within ``RETALIATION_ACKNOWLEDGEMENT_WORKING_DAYS`` working days, since
what it describes may still be going on. Working days are Monday to Friday: the service keeps no
calendar of public holidays, which differ between duty stations, so a holiday counts as a
working day and the deadline errs on the early side.
"""

from __future__ import annotations

from datetime import date, timedelta

from reports.limits import ACKNOWLEDGEMENT_DAYS, RETALIATION_ACKNOWLEDGEMENT_WORKING_DAYS
from reports.models import Report
from reports.vocabulary import ReportKind

_SATURDAY = 5


def working_days_after(day: date, count: int) -> date:
    """The day ``count`` working days after ``day`` (a weekend day counts from the Monday)."""
    reached = day
    remaining = count
    while remaining > 0:
        reached += timedelta(days=1)
        if reached.weekday() < _SATURDAY:
            remaining -= 1
    return reached


def acknowledgement_due_for(report: Report) -> date:
    if report.kind == ReportKind.RETALIATION:
        return working_days_after(report.submitted_on, RETALIATION_ACKNOWLEDGEMENT_WORKING_DAYS)
    return report.submitted_on + timedelta(days=ACKNOWLEDGEMENT_DAYS)
