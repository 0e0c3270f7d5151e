"""Demo reports over the past seven quarters, released, so the dashboard and the transparency
report have numbers to show on a demo installation.

Reports go through the reporter's real service (encrypted, consents recorded); the passing of
time (the day each arrived, how far its case went, when it was acknowledged and closed) is then
written on the plain columns, as months of work would have left them.
"""

from __future__ import annotations

import datetime
import random

from django.test import override_settings
from django.utils import timezone

from accounts.models import Entity, User
from cases.models import Case, CaseMeasure
from cases.vocabulary import CaseState
from core.quarters import current_quarter, previous_quarter, quarter_bounds
from feedback.models import NotReadyResponse, SurveyResponse
from portal.services import ReportSubmission, report_submit
from reports.models import Report
from stats.services import release_due, transparency_report_approve

QUARTERS_BACK = 7
DEMO_RECEIPT_KDF = {"time_cost": 1, "memory_cost": 8 * 1024, "parallelism": 1}
REPORTS_PER_QUARTER = {"UNW": 26, "UNDP": 16, "OCHA": 6}

CATEGORIES = (
    ["verbal"] * 9
    + ["non_verbal"] * 5
    + ["physical"] * 3
    + [
        "technology_facilitated",
        "technology_facilitated",
        "quid_pro_quo",
        "sexual_assault",
        "other",
    ]
)
ROUTES = (
    ["informal"] * 8 + ["formal"] * 5 + ["support_only"] * 3 + ["record_only"] * 3 + ["undecided"]
)
PLACES = ["headquarters"] * 4 + ["field"] * 5 + ["remote_or_online"] * 2 + ["offsite_event", ""]
# How far a case got, by how many quarters ago it arrived (older cases went further).
ENDINGS = [
    ("closed", "resolved_informally", ""),
    ("closed", "substantiated_measures_taken", "substantiated"),
    ("closed", "unsubstantiated", "unsubstantiated"),
    ("closed", "withdrawn_by_reporter", ""),
    ("investigation", "", ""),
    ("assessment", "", ""),
]


def demo_statistics_create() -> bool:
    """Files the demo reports, once: ``False`` when reports exist already.

    They are released by ``demo_statistics_release``, once every other back-dated demo report
    (``demo.cases``) is filed too: a released quarter's numbers are a snapshot, and a report
    dated into it afterwards would never be counted.
    """
    if Report.objects.exists():
        return False
    randomness = random.Random(2026)  # noqa: S311  # nosec B311  # demo data, not a secret
    entities = {entity.code: entity for entity in Entity.objects.all()}
    quarters = _past_quarters(QUARTERS_BACK)
    # The receipts of these demo reports are thrown away unseen: nobody can ever sign in with
    # them, so their key stretching may be cheap (a few hundred reports in seconds, not minutes).
    with override_settings(UPSTANDER_RECEIPT_KDF=DEMO_RECEIPT_KDF):
        for age, quarter in enumerate(reversed(quarters)):
            first, last = quarter_bounds(quarter)
            for code, count in REPORTS_PER_QUARTER.items():
                for _ in range(count):
                    offset = randomness.randint(0, (last - first).days)
                    _file(entities[code], first + datetime.timedelta(days=offset), age, randomness)
            _feedback(quarter, randomness)
    return True


def demo_statistics_release(*, leadership: User) -> None:
    """Releases the demo's past quarters and approves the first complete year of them."""
    quarters = _past_quarters(QUARTERS_BACK)
    release_due()
    year = int(quarters[0][:4])
    if all(f"{year}Q{n}" in quarters for n in range(1, 5)):
        transparency_report_approve(year=year, actor=leadership)
    Entity.objects.filter(code="UNW").update(publishes_transparency_report=True)


def _past_quarters(count: int) -> list[str]:
    quarters = [previous_quarter(current_quarter())]
    while len(quarters) < count:
        quarters.insert(0, previous_quarter(quarters[0]))
    return quarters


def _file(entity: Entity, day: datetime.date, age: int, randomness: random.Random) -> None:
    route = randomness.choice(ROUTES)
    submitted = report_submit(
        submission=ReportSubmission(
            entity=entity,
            category=randomness.choice(CATEGORIES),
            route=route,
            informal_channel="ombudsperson" if route == "informal" else "",
            narrative="Demo report.",
            reporter_role="witness" if randomness.random() < 0.25 else "affected_person",
            location_type=randomness.choice(PLACES),
            identity_disclosure="anonymous",
            consents={
                "case_review": route != "record_only",
                "statistics": randomness.random() < 0.85,
            },
        )
    )
    Report.objects.filter(pk=submitted.report.pk).update(submitted_on=day)
    case = Case.objects.filter(report=submitted.report).first()
    if case is not None:
        _age_case(case, day, age, randomness)


def _age_case(case: Case, day: datetime.date, age: int, randomness: random.Random) -> None:
    now = timezone.now()
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    acknowledged = start + datetime.timedelta(days=randomness.choice([1, 2, 3, 5, 6, 9, 12]))
    closed = acknowledged + datetime.timedelta(days=randomness.randint(20, 80))
    state, reason, outcome = randomness.choice(ENDINGS if age else ENDINGS[4:])
    if state == CaseState.CLOSED and closed >= now:
        state, reason, outcome = CaseState.ASSESSMENT, "", ""
    Case.objects.filter(pk=case.pk).update(
        state=state,
        opened_at=start,
        acknowledged_at=min(acknowledged, now),
        acknowledgement_due=day + datetime.timedelta(days=7),
        closed_at=closed if state == CaseState.CLOSED else None,
        closure_reason=reason,
        outcome=outcome,
    )
    if outcome == "substantiated" and state == CaseState.CLOSED:
        measure = randomness.choice(["written_censure", "loss_of_steps", "separation", "fine"])
        CaseMeasure.objects.create(case=case, measure=measure, recorded_on=closed.date())


def _feedback(quarter: str, randomness: random.Random) -> None:
    for _ in range(randomness.randint(6, 12)):
        SurveyResponse.objects.create(
            quarter=quarter,
            route=randomness.choice(["informal", "formal"]),
            felt_heard=randomness.choice([2, 3, 4, 4, 5, None]),
            informed_at_every_stage=randomness.choice([1, 3, 4, 5, 5]),
            safe_from_retaliation=randomness.choice([2, 3, 4, 5, None]),
            timely=randomness.choice([2, 3, 3, 4]),
            would_recommend=randomness.choice([3, 4, 5, 5]),
        )
    for _ in range(randomness.randint(8, 15)):
        NotReadyResponse.objects.create(
            quarter=quarter,
            category=randomness.choice(["verbal", "non_verbal", "physical", "prefer_not_to_say"]),
            fear_of_retaliation=randomness.random() < 0.6,
            not_believed=randomness.random() < 0.4,
            unclear_process=randomness.random() < 0.3,
            confidentiality=randomness.random() < 0.35,
        )
