"""``manage.py generate_stats_data``: benchmark data, loaded in bulk, as the service would have
written it (constraints, consents, the state machine's order), and skewed like real reports."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count
from pytest_django import Settings

from accounts.models import Entity, Role, User
from cases.models import Case, CaseMeasure, Override
from cases.vocabulary import CaseState, Outcome
from core.quarters import quarter_of
from reports.models import Consent, Report
from reports.vocabulary import Category, ConsentAction, ReporterRole, Route

# The command commits, copies and vacuums: it cannot run inside a test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)

SMALL = ("--reports", "2000", "--entities", "5", "--years", "1")


def generate(*args: str) -> str:
    out = io.StringIO()
    call_command("generate_stats_data", *SMALL, "--force", *args, stdout=out)
    return out.getvalue()


def scalar(query: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchone()[0]


@pytest.fixture
def summary() -> str:
    return generate("--seed", "7")


def test_it_writes_the_reports_asked_for_and_says_how_many_rows_it_wrote(summary: str) -> None:
    assert Report.objects.count() == 2000
    assert Entity.objects.count() == 5
    # Two focal points per entity, who acknowledge cases and approve overrides.
    assert User.objects.filter(role=Role.FOCAL_POINT).values("entity").distinct().count() == 5
    assert User.objects.count() == 10
    assert "reports_report" in summary
    assert "2,000 rows" in summary
    assert f"{Case.objects.count():,} rows" in summary


def test_an_informal_channel_comes_with_the_informal_route_only(summary: str) -> None:
    informal = Report.objects.filter(route=Route.INFORMAL)
    assert informal.exists()
    assert not informal.filter(informal_channel="").exists()
    assert not Report.objects.exclude(route=Route.INFORMAL).exclude(informal_channel="").exists()


def test_a_case_exists_exactly_for_the_reports_whose_reporter_granted_review(
    summary: str,
) -> None:
    reviewable = Report.objects.exclude(route=Route.RECORD_ONLY).filter(
        consents__action=ConsentAction.CASE_REVIEW, consents__granted=True
    )
    assert set(Case.objects.values_list("report_id", flat=True)) == set(
        reviewable.values_list("id", flat=True)
    )
    assert not Case.objects.filter(report__route=Route.RECORD_ONLY).exists()
    assert 0.65 < Case.objects.count() / 2000 < 0.85
    # The case is the report's: same entity, due a week after the day it arrived.
    assert (
        scalar(
            "SELECT count(*) FROM cases_case c JOIN reports_report r ON r.id = c.report_id "
            "WHERE c.entity_id <> r.entity_id OR c.acknowledgement_due <> r.submitted_on + 7"
        )
        == 0
    )


def test_the_counts_are_skewed_like_real_reports(summary: str) -> None:
    categories = Counter(Report.objects.values_list("category", flat=True))
    assert categories[Category.VERBAL] > categories[Category.NON_VERBAL]
    assert categories[Category.NON_VERBAL] > 5 * categories[Category.SEXUAL_ASSAULT] > 0
    routes = Counter(Report.objects.values_list("route", flat=True))
    assert routes[Route.INFORMAL] > routes[Route.FORMAL] > routes[Route.UNDECIDED] > 0
    assert 0.33 < routes[Route.INFORMAL] / 2000 < 0.47
    roles = Counter(Report.objects.values_list("reporter_role", flat=True))
    assert 2 * roles[ReporterRole.WITNESS] < roles[ReporterRole.AFFECTED_PERSON]
    assert Report.objects.filter(location_type="").exists()
    sizes = sorted(
        Entity.objects.annotate(n=Count("reports")).values_list("n", flat=True), reverse=True
    )
    assert sizes[0] > 2 * sizes[2]
    # The two tiny entities stay below any publication threshold in some quarter.
    for code in ("E04", "E05"):
        quarters = Counter(
            quarter_of(day)
            for day in Report.objects.filter(entity__code=code).values_list(
                "submitted_on", flat=True
            )
        )
        assert min(quarters.get(quarter, 0) for quarter in _last_four_quarters()) < 5


def _last_four_quarters() -> list[str]:
    days = Report.objects.values_list("submitted_on", flat=True)
    return sorted({quarter_of(day) for day in days})[-4:]


def test_each_report_has_its_consent_history_in_order(summary: str) -> None:
    for action in (ConsentAction.CASE_REVIEW, ConsentAction.STATISTICS):
        decided = Consent.objects.filter(action=action, source=Consent.Source.INTAKE)
        assert decided.values("report").distinct().count() == 2000
    statistics = Consent.objects.filter(action=ConsentAction.STATISTICS)
    granted = statistics.filter(source=Consent.Source.INTAKE, granted=True).count()
    assert 0.72 < granted / 2000 < 0.88
    assert 0 < statistics.filter(source=Consent.Source.PORTAL, granted=False).count() < 120
    # Intake decisions carry the day of submission at midnight, nothing finer.
    assert (
        scalar(
            "SELECT count(*) FROM reports_consent c JOIN reports_report r ON r.id = c.report_id "
            "WHERE c.source = 'intake' AND c.recorded_at <> r.submitted_on::timestamptz"
        )
        == 0
    )
    # Positions run 1..n per report, in the order the decisions were recorded.
    assert (
        scalar(
            "SELECT count(*) FROM (SELECT report_id, count(*) n, min(position) lo, max(position) hi "
            "FROM reports_consent GROUP BY report_id) p WHERE lo <> 1 OR hi <> n"
        )
        == 0
    )
    assert (
        scalar(
            "SELECT count(*) FROM reports_consent a JOIN reports_consent b "
            "ON a.report_id = b.report_id AND a.position < b.position "
            "WHERE a.recorded_at > b.recorded_at"
        )
        == 0
    )


def test_cases_move_as_the_state_machine_would_have_moved_them(summary: str) -> None:
    states = Counter(Case.objects.values_list("state", flat=True))
    assert states[CaseState.CLOSED] > Case.objects.count() / 2
    assert sum(count for state, count in states.items() if state != CaseState.CLOSED) > 0
    closed = Case.objects.filter(state=CaseState.CLOSED)
    assert not closed.filter(closed_at__isnull=True).exists()
    assert not closed.filter(closure_reason="").exists()
    open_cases = Case.objects.exclude(state=CaseState.CLOSED)
    assert not open_cases.exclude(closure_reason="").exists()
    assert not open_cases.filter(closed_at__isnull=False).exists()
    # Acknowledged cases have a focal point and a feedback date; most were acknowledged in time.
    acknowledged = Case.objects.filter(acknowledged_at__isnull=False)
    assert not acknowledged.filter(feedback_due__isnull=True).exists()
    assert not acknowledged.filter(assigned_to__isnull=True, state=CaseState.ACKNOWLEDGED).exists()
    in_time = scalar(
        "SELECT count(*) FROM cases_case WHERE acknowledged_at::date <= acknowledgement_due"
    )
    assert in_time > 0.8 * acknowledged.count()
    assert (
        scalar(
            "SELECT count(*) FROM cases_case WHERE acknowledged_at < opened_at "
            "OR formal_started_at < acknowledged_at OR closed_at < opened_at "
            "OR closed_at < formal_started_at OR greatest(acknowledged_at, closed_at) > now()"
        )
        == 0
    )
    # Findings only after an investigation, which only a formal process opens.
    assert not Case.objects.exclude(outcome="").filter(formal_started_at__isnull=True).exists()


def test_measures_follow_substantiated_findings_and_overrides_have_four_eyes(
    summary: str,
) -> None:
    assert CaseMeasure.objects.exists()
    assert not CaseMeasure.objects.exclude(case__outcome=Outcome.SUBSTANTIATED).exists()
    overrides = Override.objects.all()
    assert overrides.exists()
    assert not overrides.exclude(status=Override.Status.APPROVED).exists()
    assert not overrides.filter(consents=[]).exists()
    # Asked by one focal point of the case's entity, approved by the other, then spent.
    assert (
        scalar(
            "SELECT count(*) FROM cases_override o JOIN cases_case c ON c.id = o.case_id "
            "JOIN accounts_user asker ON asker.id = o.requested_by_id "
            "JOIN accounts_user approver ON approver.id = o.decided_by_id "
            "WHERE asker.id = approver.id OR asker.entity_id <> c.entity_id "
            "OR approver.entity_id <> c.entity_id OR o.decided_at < o.requested_at "
            "OR o.used_at < o.decided_at OR o.requested_at < c.acknowledged_at"
        )
        == 0
    )


def test_the_same_seed_gives_the_same_reports() -> None:
    def facts() -> list[tuple[Any, ...]]:
        return list(
            Report.objects.order_by("reference").values_list(
                "reference", "entity__code", "category", "route", "submitted_on"
            )
        )

    generate("--seed", "3")
    first = facts()
    generate("--seed", "3")
    assert facts() == first
    generate("--seed", "4")
    assert facts() != first


def test_it_refuses_to_add_to_existing_reports_or_to_run_with_debug_off(
    summary: str, settings: Settings
) -> None:
    settings.DEBUG = True
    with pytest.raises(CommandError, match="already holds reports"):
        call_command("generate_stats_data", *SMALL, stdout=io.StringIO())
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("generate_stats_data", *SMALL, stdout=io.StringIO())
    assert Report.objects.count() == 2000
