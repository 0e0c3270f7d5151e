"""Filing reports with chosen statistical facts and dates, for the statistics tests.

Reports go through the reporter's real service (encrypted, consents recorded); only what a test
needs that the service decides itself (the day it arrived, a case's state) is set afterwards on
the plain columns, as time passing would set it.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.db.models import Max
from django.utils import timezone

from accounts.models import Entity
from cases.models import Case
from core.quarters import quarter_bounds
from portal.services import ReportSubmission, report_submit
from reports.models import Consent, Report


def file_report(
    entity: Entity,
    *,
    quarter: str,
    category: str = "verbal",
    route: str = "formal",
    location_type: str = "field",
    reporter_role: str = "affected_person",
    statistics: bool = True,
    case_review: bool = True,
    state: str | None = None,
    outcome: str = "",
    **extra: Any,
) -> Report:
    """A report that arrived on the first day of ``quarter``; its case (when it has one) is put
    in ``state`` with ``outcome``."""
    submitted = report_submit(
        submission=ReportSubmission(
            entity=entity,
            category=category,
            route=route,
            informal_channel="ombudsperson" if route == "informal" else "",
            narrative="Statistics fixture.",
            reporter_role=reporter_role,
            location_type=location_type,
            identity_disclosure="anonymous",
            identity=None,
            consents={"case_review": case_review, "statistics": statistics},
            **extra,
        )
    )
    report = submitted.report
    day = quarter_bounds(quarter)[0]
    Report.objects.filter(pk=report.pk).update(submitted_on=day)
    Case.objects.filter(report=report).update(submitted_on=day)  # the case's copy of the day
    if state is not None:
        Case.objects.filter(report=report).update(state=state, outcome=outcome)
    return Report.objects.get(pk=report.pk)


def withdraw_statistics(report: Report) -> None:
    position = report.consents.aggregate(last=Max("position"))["last"] or 0
    Consent.objects.create(
        report=report,
        action="statistics",
        granted=False,
        source=Consent.Source.PORTAL,
        recorded_at=timezone.now() + datetime.timedelta(seconds=1),
        position=position + 1,
    )


def file_mixed_reports(entity: Entity, quarter: str = "2026Q3", each: int = 2) -> None:
    """Four categories on two routes in two places, ``each`` of each combination (32 reports
    by default). Released with a second entity in the organisation, two categories are
    published, and the other two are withheld beside the empty ones so that none of those can
    be worked out."""
    for category, route, place in itertools.product(
        ("verbal", "non_verbal", "physical", "sexual_assault"),
        ("formal", "informal"),
        ("field", "headquarters"),
    ):
        for _ in range(each):
            file_report(
                entity, quarter=quarter, category=category, route=route, location_type=place
            )
