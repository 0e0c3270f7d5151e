"""Issue 12, item 3, the reporter's side: "something happened since" files a report of
retaliation linked to the original, due within working days, reaching the original handler and
the senior focal point, and gated by consent like any case; check-ins after closure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.utils import timezone

from accounts.models import Role, User
from audit.models import AuditEntry
from cases.deadlines import working_days_after
from cases.errors import CaseConsentRequiredError
from cases.models import Case
from cases.services.transitions import case_transition
from core.errors import InvalidInputError
from notifications.models import OutboxMessage
from portal.retaliation import (
    CheckInNotFoundError,
    check_in_answer,
    check_ins_schedule,
)
from portal.services import reporter_session_start
from reports.models import CheckIn, Report
from reports.vocabulary import ReportKind
from tests.helpers.reporter import WORKFLOW_CONSENTS, receipt_of
from tests.helpers.retaliation import (
    RETALIATION_NARRATIVE,
    access_for,
    closed_months_ago,
    file_retaliation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def senior_focal_point(make_staff: Callable[..., User]) -> User:
    senior = make_staff(Role.FOCAL_POINT, username="fp_senior")
    senior.senior_focal_point = True
    senior.save(update_fields=["senior_focal_point"])
    return senior


def retaliation_alerts() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(payload__kind="retaliation_reported"))


# --- Working days ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submitted", "due"),
    [
        (date(2026, 11, 23), date(2026, 11, 25)),  # Monday: Wednesday
        (date(2026, 11, 26), date(2026, 11, 30)),  # Thursday: the next Monday
        (date(2026, 11, 27), date(2026, 12, 1)),  # Friday: the next Tuesday
        (date(2026, 11, 28), date(2026, 12, 1)),  # Saturday: counted from Monday
    ],
)
def test_two_working_days_skip_the_weekend(submitted: date, due: date) -> None:
    assert working_days_after(submitted, 2) == due


# --- A report of retaliation -----------------------------------------------------------------


def test_a_report_of_retaliation_is_linked_to_the_original_and_due_in_two_working_days(
    case_in_state: Callable[..., Case], focal_point: User
) -> None:
    original = case_in_state("assessment", consents=WORKFLOW_CONSENTS)

    submitted = file_retaliation(original)

    report = Report.objects.get(pk=submitted.report.pk)
    assert report.kind == ReportKind.RETALIATION
    assert report.retaliation_of_id == original.report_id
    assert report.entity_id == original.entity_id
    assert report.identity_disclosure == "anonymous"
    case = Case.objects.get(report=report)
    assert case.acknowledgement_due == working_days_after(report.submitted_on, 2)
    # Its own receipt, which opens the new report and not the original.
    assert submitted.receipt != receipt_of(original)
    _token, session = reporter_session_start(receipt=submitted.receipt)
    assert session.report_id == report.pk


def test_the_retaliation_case_goes_to_the_original_handler_and_reaches_the_senior_focal_point(
    case_in_state: Callable[..., Case],
    focal_point: User,
    second_focal_point: User,
    senior_focal_point: User,
) -> None:
    original = case_in_state("assessment", consents=WORKFLOW_CONSENTS)
    assert original.assigned_to == focal_point

    submitted = file_retaliation(original)

    case = Case.objects.get(report=submitted.report)
    assert case.assigned_to == focal_point
    [alert] = retaliation_alerts()
    assert sorted(alert.payload["user_ids"]) == sorted([focal_point.id, senior_focal_point.id])
    # The alert names the new report's reference, never what the reporter wrote.
    assert alert.payload["reference"] == submitted.report.reference
    assert RETALIATION_NARRATIVE not in str(alert.payload)
    assert second_focal_point.id not in alert.payload["user_ids"]


def test_without_a_handler_or_senior_focal_point_the_entitys_focal_points_are_told(
    open_case: Callable[..., Case], focal_point: User, second_focal_point: User
) -> None:
    original = open_case()  # received, nobody assigned yet

    file_retaliation(original)

    [alert] = retaliation_alerts()
    assert sorted(alert.payload["user_ids"]) == sorted([focal_point.id, second_focal_point.id])


def test_without_case_review_the_report_of_retaliation_stays_sealed_and_nobody_is_told(
    case_in_state: Callable[..., Case], senior_focal_point: User
) -> None:
    original = case_in_state("assessment", consents=WORKFLOW_CONSENTS)

    submitted = file_retaliation(original, consents={"case_review": False})

    assert not Case.objects.filter(report=submitted.report).exists()
    assert retaliation_alerts() == []


def test_the_retaliation_case_is_gated_by_its_own_consents(
    case_in_state: Callable[..., Case], focal_point: User
) -> None:
    # The original reporter consented to everything; the report of retaliation only to review.
    original = case_in_state("assessment", consents=WORKFLOW_CONSENTS)
    submitted = file_retaliation(original)
    case = Case.objects.get(report=submitted.report)
    for step in ("acknowledge", "begin_assessment"):
        case_transition(case_id=case.pk, name=step, actor=focal_point)

    with pytest.raises(CaseConsentRequiredError) as refused:
        case_transition(case_id=case.pk, name="escalate_to_formal", actor=focal_point)
    assert refused.value.missing == ["formal_investigation"]


def test_the_original_report_records_the_retaliation_report_by_reference_only(
    case_in_state: Callable[..., Case],
) -> None:
    original = case_in_state("closed", consents=WORKFLOW_CONSENTS)

    submitted = file_retaliation(original)

    timeline = original.report.timeline.filter(event="retaliation_reported").get()
    assert timeline.params == {"reference": submitted.report.reference}
    entry = AuditEntry.objects.filter(
        stream=str(original.report_id), action="report.retaliation_reported"
    ).get()
    assert entry.detail == {"reference": submitted.report.reference}
    assert entry.actor_kind == "reporter"
    # The reporter's actions carry the day, never the time.
    assert (entry.at.hour, entry.at.minute, entry.at.second) == (0, 0, 0)


@pytest.mark.parametrize(
    ("account", "field"),
    [
        ({"narrative": "   "}, "narrative"),
        ({"route": "somewhere"}, "route"),
        ({"route": "informal"}, "route"),
        ({"consents": {"everything": True}}, "consents"),
    ],
)
def test_a_bad_report_of_retaliation_is_refused_and_files_nothing(
    case_in_state: Callable[..., Case], account: dict[str, object], field: str
) -> None:
    original = case_in_state("assessment", consents=WORKFLOW_CONSENTS)
    reports_before = Report.objects.count()

    with pytest.raises(InvalidInputError) as refused:
        file_retaliation(original, **account)

    assert field in refused.value.fields
    assert Report.objects.count() == reports_before
    assert not original.report.timeline.filter(event="retaliation_reported").exists()


# --- Check-ins after closure -------------------------------------------------------------------


def test_check_ins_are_created_when_due_and_once_each(
    case_in_state: Callable[..., Case],
) -> None:
    case = closed_months_ago(case_in_state("closed", consents=WORKFLOW_CONSENTS), 3, days=1)

    created = check_ins_schedule()
    again = check_ins_schedule()

    assert created == 2
    assert again == 0
    assert list(case.report.check_ins.values_list("months", flat=True)) == [1, 3]


def test_check_ins_follow_the_months_after_closure(
    case_in_state: Callable[..., Case],
) -> None:
    case = closed_months_ago(case_in_state("closed", consents=WORKFLOW_CONSENTS), 12, days=1)

    check_ins_schedule()

    assert list(case.report.check_ins.values_list("months", flat=True)) == [1, 3, 6, 12]


def test_check_ins_are_created_once_each_across_batches(
    case_in_state: Callable[..., Case],
) -> None:
    # One case per batch: what each batch finds already created is checked batch by batch.
    month = closed_months_ago(case_in_state("closed", consents=WORKFLOW_CONSENTS), 1, days=1)
    quarter = closed_months_ago(case_in_state("closed", consents=WORKFLOW_CONSENTS), 3, days=1)
    year = closed_months_ago(case_in_state("closed", consents=WORKFLOW_CONSENTS), 12, days=1)
    CheckIn.objects.create(report=quarter.report, months=1, due_on=timezone.now().date())

    created = check_ins_schedule(batch_size=1)
    again = check_ins_schedule(batch_size=2)

    assert created == 1 + 1 + 4
    assert again == 0
    assert list(month.report.check_ins.values_list("months", flat=True)) == [1]
    assert list(quarter.report.check_ins.values_list("months", flat=True)) == [1, 3]
    assert list(year.report.check_ins.values_list("months", flat=True)) == [1, 3, 6, 12]


def test_an_open_case_or_a_recently_closed_one_has_no_check_in(
    case_in_state: Callable[..., Case],
) -> None:
    case_in_state("assessment", consents=WORKFLOW_CONSENTS)
    case_in_state("closed", consents=WORKFLOW_CONSENTS)

    assert check_ins_schedule() == 0
    assert not CheckIn.objects.exists()


def test_the_reporter_answers_the_latest_check_in_and_it_closes(
    case_in_state: Callable[..., Case],
) -> None:
    case = closed_months_ago(case_in_state("closed", consents=WORKFLOW_CONSENTS), 3, days=1)
    check_ins_schedule()
    latest = case.report.check_ins.get(months=3)

    answered = check_in_answer(access=access_for(case), check_in_id=latest.id, answer="all_fine")

    assert answered.answer == "all_fine"
    assert answered.answered_on == timezone.now().date()
    # The earlier check-in the reporter never saw is answered with it: nothing is left open.
    assert not case.report.check_ins.filter(answered_on__isnull=True).exists()
    assert case.report.timeline.filter(event="check_in_answered").exists()
    with pytest.raises(CheckInNotFoundError):
        check_in_answer(access=access_for(case), check_in_id=latest.id, answer="all_fine")


def test_something_happened_is_recorded_but_reaches_nobody_by_itself(
    case_in_state: Callable[..., Case],
) -> None:
    case = closed_months_ago(case_in_state("closed", consents=WORKFLOW_CONSENTS), 1, days=1)
    check_ins_schedule()
    alerts_before = OutboxMessage.objects.count()

    check_in_answer(
        access=access_for(case),
        check_in_id=case.report.check_ins.get().id,
        answer="something_happened",
    )

    assert case.report.check_ins.get().answer == "something_happened"
    assert OutboxMessage.objects.count() == alerts_before


def test_a_check_in_of_another_report_cannot_be_answered(
    case_in_state: Callable[..., Case],
) -> None:
    mine = closed_months_ago(case_in_state("closed", consents=WORKFLOW_CONSENTS), 1, days=1)
    theirs = closed_months_ago(case_in_state("closed", consents=WORKFLOW_CONSENTS), 1, days=1)
    check_ins_schedule()

    with pytest.raises(CheckInNotFoundError):
        check_in_answer(
            access=access_for(mine),
            check_in_id=theirs.report.check_ins.get().id,
            answer="all_fine",
        )
    assert theirs.report.check_ins.get().answered_on is None
