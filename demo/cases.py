"""A handful of demonstration cases, one at each point of the way a case can go, for staff to
open and try the pages on.

Each report is filed through the reporter's real service and each case moved by the staff's real
services (the focal point's transitions, the investigator's findings), so the consent gates, the
audit trail and the reporter's timeline are what real work would have left. The only thing
written on plain columns afterwards is the passing of time: the day each report arrived, across
the last few quarters, and the case's own dates moved back by the same whole number of days.
The audit trail is never rewritten (it is hash-chained and stays valid): it shows when the demo
was seeded.

Every demonstration case carries the staff label ``demo`` (in the case list and on the case
page) and its narrative starts with "[Demo]", so nobody takes it for a real report.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Entity, User
from audit.days import day_start
from cases.models import Case
from cases.services.assignment import case_investigator_assign
from cases.services.labels import labels_set
from cases.services.transitions import case_transition
from core.quarters import current_quarter, previous_quarter, quarter_bounds
from demo.statistics import DEMO_RECEIPT_KDF
from portal.services import ReportSubmission, report_submit
from reports.limits import ACKNOWLEDGEMENT_DAYS
from reports.models import Consent, Report, TimelineEntry
from reports.vocabulary import ConsentAction, Route

# A staff label (never shown to the reporter) that marks a case as demo data.
DEMO_LABEL = "demo"

REVIEW: dict[str, bool] = {ConsentAction.CASE_REVIEW: True, ConsentAction.STATISTICS: True}
FORMAL: dict[str, bool] = {
    **REVIEW,
    ConsentAction.FORMAL_INVESTIGATION: True,
    ConsentAction.CONTACT_ALLEGED_PERPETRATOR: True,
}
OMBUDSPERSON: dict[str, bool] = {**REVIEW, ConsentAction.OMBUDSPERSON_REFERRAL: True}
# From arrival to an open investigation, on the formal route.
TO_INVESTIGATION = ("acknowledge", "begin_assessment", "escalate_to_formal", "open_investigation")
# The arguments the steps below take (``cases.transitions.ARGUMENTS``).
STEP_ARGUMENTS: dict[str, dict[str, object]] = {
    "record_findings": {"outcome": "unsubstantiated"},
    "close": {"closure_reason": "unsubstantiated"},
}


@dataclass(frozen=True)
class DemoCase:
    """One demonstration report, and how far its case went."""

    route: str
    consents: dict[str, bool]
    narrative: str
    category: str
    location_type: str
    # Quarters before the current one it arrived in, and the day within that quarter.
    quarters_ago: int
    day_of_quarter: int
    steps: tuple[str, ...] = ()
    informal_channel: str = ""
    reporter_role: str = "affected_person"
    identity_disclosure: str = "anonymous"
    identity: dict[str, str] = field(default_factory=dict)


def demo_cases() -> list[DemoCase]:
    """The demonstration reports, in the order they are filed (narratives in the active language)."""
    return [
        DemoCase(
            route=Route.FORMAL,
            consents=FORMAL,
            narrative=_("[Demo] My supervisor keeps commenting on my body in team meetings."),
            category="verbal",
            location_type="headquarters",
            quarters_ago=0,
            day_of_quarter=-2,
        ),
        # Confidential, the name not to be shared: the case to try a reassignment on (the
        # second focal point asks to take it over, the one holding it approves).
        DemoCase(
            route=Route.INFORMAL,
            informal_channel="ombudsperson",
            consents=OMBUDSPERSON,
            identity_disclosure="confidential",
            identity={"name": _("[Demo] Alex Example"), "email": "alex@example.org", "phone": ""},
            narrative=_(
                "[Demo] A colleague sends me messages late at night that I did not ask for."
            ),
            category="technology_facilitated",
            location_type="remote_or_online",
            quarters_ago=0,
            day_of_quarter=-5,
            steps=("acknowledge",),
        ),
        # No formal consent: the case to try an override on (four eyes, two focal points).
        DemoCase(
            route=Route.SUPPORT_ONLY,
            consents={**REVIEW, ConsentAction.SUPPORT_REFERRAL: True},
            narrative=_("[Demo] I would like to talk to someone about what happened at a mission."),
            category="physical",
            location_type="offsite_event",
            quarters_ago=1,
            day_of_quarter=40,
            steps=("acknowledge", "begin_assessment"),
        ),
        DemoCase(
            route=Route.INFORMAL,
            informal_channel="ombudsperson",
            consents=OMBUDSPERSON,
            narrative=_(
                "[Demo] I saw a manager stare at and follow a new intern around the office."
            ),
            category="non_verbal",
            location_type="field",
            reporter_role="witness",
            quarters_ago=1,
            day_of_quarter=15,
            steps=("acknowledge", "begin_assessment", "start_informal"),
        ),
        # The reporter brought in the victims' rights advocate, without sharing the report.
        DemoCase(
            route=Route.FORMAL,
            consents={**FORMAL, ConsentAction.VICTIMS_RIGHTS_ADVOCATE: True},
            narrative=_("[Demo] I was offered a contract extension in exchange for a date."),
            category="quid_pro_quo",
            location_type="field",
            quarters_ago=2,
            day_of_quarter=30,
            steps=TO_INVESTIGATION,
        ),
        DemoCase(
            route=Route.FORMAL,
            consents=FORMAL,
            narrative=_("[Demo] Jokes of a sexual nature were made about me during a workshop."),
            category="verbal",
            location_type="offsite_event",
            quarters_ago=3,
            day_of_quarter=10,
            steps=(*TO_INVESTIGATION, "record_findings", "close"),
        ),
        # A dated record only: sealed, no case, nobody in the organisation can read it.
        DemoCase(
            route=Route.RECORD_ONLY,
            consents={ConsentAction.CASE_REVIEW: False, ConsentAction.STATISTICS: True},
            narrative=_("[Demo] I want a dated record of what happened, nothing more for now."),
            category="other",
            location_type="headquarters",
            quarters_ago=2,
            day_of_quarter=5,
        ),
    ]


def demo_cases_exist(entity: Entity) -> bool:
    # In Python rather than a JSON ``contains`` lookup, which SQLite (the demo's database) lacks.
    labels = Case.objects.filter(entity=entity).values_list("labels", flat=True)
    return any(DEMO_LABEL in case_labels for case_labels in labels)


def demo_cases_create(*, entity: Entity, focal_point: User, investigator: User) -> bool:
    """Files the demonstration cases in ``entity``, once: ``False`` when they exist already."""
    if demo_cases_exist(entity):
        return False
    # Their receipts are thrown away unseen: cheap key stretching, as for the demo statistics.
    with override_settings(UPSTANDER_RECEIPT_KDF=DEMO_RECEIPT_KDF):
        for demo in demo_cases():
            _demo_case_file(demo, entity=entity, focal_point=focal_point, investigator=investigator)
    return True


def _received_day(demo: DemoCase) -> datetime.date:
    today = timezone.localdate()
    quarter = current_quarter()
    for _step in range(demo.quarters_ago):
        quarter = previous_quarter(quarter)
    first, last = quarter_bounds(quarter)
    if demo.day_of_quarter < 0:
        # Days before today, within the current quarter (its first day at the earliest).
        return max(first, today + datetime.timedelta(days=demo.day_of_quarter))
    return min(last, today, first + datetime.timedelta(days=demo.day_of_quarter))


def _demo_case_file(
    demo: DemoCase, *, entity: Entity, focal_point: User, investigator: User
) -> None:
    submitted = report_submit(
        submission=ReportSubmission(
            entity=entity,
            category=demo.category,
            route=demo.route,
            informal_channel=demo.informal_channel,
            narrative=demo.narrative,
            reporter_role=demo.reporter_role,
            location_type=demo.location_type,
            identity_disclosure=demo.identity_disclosure,
            identity=dict(demo.identity) or None,
            consents=dict(demo.consents),
        )
    )
    case = Case.objects.filter(report=submitted.report).first()
    if case is not None:
        labels_set(case=case, actor=focal_point, labels=[DEMO_LABEL])
        for name in demo.steps:
            if name == "open_investigation":
                case_investigator_assign(
                    case=Case.objects.get(pk=case.pk), actor=focal_point, investigator=investigator
                )
            # Findings are the assigned investigator's to record; every other step the focal
            # point's, who took the case on by acknowledging it.
            actor = investigator if name == "record_findings" else focal_point
            case_transition(
                case_id=case.pk, name=name, actor=actor, arguments=STEP_ARGUMENTS.get(name)
            )
    _back_date(submitted.report, _received_day(demo))


@transaction.atomic
def _back_date(report: Report, day: datetime.date) -> None:
    """Move the report, its case and its timeline back to ``day``, by whole days.

    The report arrived on ``day``: as at submission, what it records carries that day and no
    time. The case's later dates keep their distance from it, so the queue's deadlines and the
    statistics read as if the work had been done then.
    """
    shift = report.submitted_on - day
    Report.objects.filter(pk=report.pk).update(submitted_on=day)
    Consent.objects.filter(report=report, source=Consent.Source.INTAKE).update(
        recorded_at=day_start(day)
    )
    for entry in TimelineEntry.objects.filter(report=report):
        TimelineEntry.objects.filter(pk=entry.pk).update(at=entry.at - shift)
    case = Case.objects.filter(report=report).first()
    if case is None:
        return
    moved = {
        name: getattr(case, name) - shift
        for name in (
            "opened_at",
            "acknowledged_at",
            "feedback_due",
            "formal_started_at",
            "closed_at",
        )
        if getattr(case, name) is not None
    }
    Case.objects.filter(pk=case.pk).update(
        acknowledgement_due=day + datetime.timedelta(days=ACKNOWLEDGEMENT_DAYS), **moved
    )
