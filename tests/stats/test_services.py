"""Releases: what they count, that they stay fixed, and what a withdrawal changes."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Entity, Role
from cases.models import Case, RightsConcern
from cases.services.shredding import report_shred
from stats import services
from stats.families import REPORTS, count_groups, disclosure_threshold
from stats.models import (
    ClosureFact,
    Release,
    ReleasedCell,
    ReportFact,
    ServiceDays,
    ServiceFact,
)
from stats.selectors import published_table
from stats.services import release_due
from stats.transparency import service_figures
from tests.helpers.stats import file_report, withdraw_statistics

pytestmark = pytest.mark.django_db

PAST = "2026Q2"


def test_release_due_releases_completed_quarters_only(entity: Entity) -> None:
    file_report(entity, quarter="2026Q1", route="record_only", case_review=False)
    file_report(entity, quarter="2026Q3")
    file_report(entity, quarter="2026Q4")

    # 2026Q2 saw nothing at all (no report, no case overdue): nothing to release, and no empty
    # tables to withhold every period around them.
    assert release_due() == ["2026Q1", "2026Q3"]
    assert release_due() == []
    assert "2026Q4" not in Release.objects.values_list("quarter", flat=True)


def test_including_the_current_quarter_releases_it_as_partial_and_counts_it(entity: Entity) -> None:
    for _ in range(6):
        file_report(entity, quarter="2026Q4")

    call_command("release_stats", "--include-current-quarter")

    release = Release.objects.get(quarter="2026Q4")
    assert release.partial
    table = published_table("reports", ["category"], ["2026Q4"])
    assert table.total == 6
    # All six alike: "verbal: 6" would say the other categories are empty, so of each of them
    # that they were verbal. It is withheld with the empty ones.
    assert table.count(category="verbal") is None


def test_every_report_counts_in_the_base_totals_sealed_and_unconsenting_too(
    entity: Entity,
) -> None:
    for _ in range(5):
        file_report(entity, quarter=PAST, route="record_only", case_review=False, statistics=False)
    for _ in range(5):
        file_report(entity, quarter=PAST, statistics=True)
    release_due()

    counted = count_groups(REPORTS, PAST, [entity.pk])
    assert counted[("route",)] == {("record_only",): 5, ("formal",): 5}
    assert counted[("state",)] == {("sealed",): 5, ("received",): 5}
    # The finer facts only of those who agreed; the others are "not stated".
    assert counted[("reporter_role",)] == {("affected_person",): 5, ("not_stated",): 5}
    assert published_table("reports", ["route"], [PAST]).total == 10


def test_released_numbers_stay_fixed_while_cases_move_on(entity: Entity, walk_case: Any) -> None:
    reports = [file_report(entity, quarter=PAST) for _ in range(6)]
    release_due()
    before = list(ReleasedCell.objects.order_by("id").values_list("key", "count"))

    walk_case(Case.objects.get(report=reports[0]), "closed")
    release_due()

    assert list(ReleasedCell.objects.order_by("id").values_list("key", "count")) == before


def test_a_withdrawn_statistics_consent_leaves_the_finer_figures_at_the_next_release(
    entity: Entity,
) -> None:
    reports = [file_report(entity, quarter=PAST) for _ in range(10)]
    release_due()
    before = count_groups(REPORTS, PAST, [entity.pk])
    assert before[("location_type",)] == {("field",): 10}

    withdraw_statistics(reports[0])
    assert Release.objects.get(quarter=PAST).consenting == 10
    assert release_due() == [PAST]

    after = count_groups(REPORTS, PAST, [entity.pk])
    assert after[("location_type",)] == {("field",): 9, ("not_stated",): 1}
    assert after[("category",)] == before[("category",)]  # still counted in the base totals
    assert published_table("reports", ["category"], [PAST]).total == 10
    assert not ReportFact.objects.get(report=reports[0]).statistics
    assert Release.objects.get(quarter=PAST).consenting == 9
    assert release_due() == []  # recounted once


def test_k_is_never_below_three(settings: Any) -> None:
    settings.STATS_K = 1
    assert disclosure_threshold() == 3


def test_entities_with_fewer_than_k_reports_are_counted_together_as_other(
    entity: Entity, other_entity: Entity
) -> None:
    tiny = Entity.objects.create(code="TINY", name="A very small office")
    for _ in range(6):
        file_report(entity, quarter=PAST)
    for _ in range(2):
        file_report(tiny, quarter=PAST)
    file_report(other_entity, quarter=PAST)
    release_due()

    assert Release.objects.get(quarter=PAST).listed_entities == [entity.code]
    counted = count_groups(REPORTS, PAST, [entity.pk])
    assert counted[("entity",)] == {(entity.code,): 6, ("other",): 3}
    keys = ReleasedCell.objects.filter(family="reports").values_list("key", flat=True)
    assert not any("TINY" in key or other_entity.code in key for key in keys)


def test_a_case_closed_because_its_report_was_shredded_is_not_counted_as_a_closure(
    entity: Entity, walk_case: Any
) -> None:
    # Issue 10: the organisation did not end that case, the destruction of the report did; its
    # days would bend the medians of service. The report stays counted among those received.
    resolved, shredded = (file_report(entity, quarter="2026Q4") for _ in range(2))
    walk_case(Case.objects.get(report=resolved), "closed")
    report_shred(report=shredded, actor=None)

    call_command("release_stats", "--include-current-quarter")

    assert list(ClosureFact.objects.values_list("report_id", "closure_reason")) == [
        (resolved.pk, "resolved_informally")
    ]
    assert ServiceFact.objects.filter(kind=ServiceFact.Kind.CLOSED).count() == 1
    assert ReportFact.objects.get(report=shredded).state == "closed"


def _concern_in(quarter: str, entity: Entity, advocate: Any, kind: str = "not_informed") -> None:
    """A report of ``quarter`` whose advocate raised a concern on its first day (issue 12)."""
    report = file_report(entity, quarter=quarter)
    start = timezone.make_aware(datetime.datetime.combine(report.submitted_on, datetime.time(10)))
    RightsConcern.objects.create(
        case=Case.objects.get(report=report), kind=kind, raised_by=advocate, raised_at=start
    )


def test_rights_concerns_are_counted_per_quarter_and_withheld_below_k(
    entity: Entity, other_entity: Entity, make_staff: Any
) -> None:
    # Issue 12: an advocate's rights concerns count in the statistics with the same suppression.
    advocate = make_staff(Role.VICTIMS_RIGHTS_ADVOCATE, username="advocate")
    for _ in range(6):
        _concern_in(PAST, entity, advocate)
    for _ in range(5):
        file_report(other_entity, quarter=PAST)
    _concern_in(PAST, other_entity, advocate, kind="dignity")

    release_due()

    assert ServiceFact.objects.filter(kind=ServiceFact.Kind.RIGHTS_CONCERN).count() == 7
    table = published_table("rights_concerns", ["entity"], [PAST])
    assert table.total == 7
    assert table.count(entity=entity.code) is None  # withheld: it would give the other's 1
    assert table.count(entity=other_entity.code) is None
    figures = {f.key: f.value for f in service_figures([PAST], None)}
    assert figures["rights_concerns"] == 7
    assert {f.key: f.value for f in service_figures([PAST], other_entity)}[
        "rights_concerns"
    ] is None


def test_service_facts_are_all_written_when_written_a_few_at_a_time(
    entity: Entity, make_staff: Any, walk_case: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 15: a quarter's facts go to the database in batches as its cases are read.
    monkeypatch.setattr(services, "FACTS_AT_ONCE", 2)
    advocate = make_staff(Role.VICTIMS_RIGHTS_ADVOCATE, username="advocate")
    for _ in range(5):
        _concern_in(PAST, entity, advocate)
    closed = [file_report(entity, quarter="2026Q4") for _ in range(3)]
    for report in closed:
        walk_case(Case.objects.get(report=report), "closed")

    release_due(include_current_quarter=True)

    assert ServiceFact.objects.filter(kind=ServiceFact.Kind.RIGHTS_CONCERN).count() == 5
    assert ServiceFact.objects.filter(quarter="2026Q4", kind=ServiceFact.Kind.CLOSED).count() == 3
    timed = ServiceFact.objects.filter(
        kind__in=[ServiceFact.Kind.ACKNOWLEDGED, ServiceFact.Kind.CLOSED]
    )
    assert sum(ServiceDays.objects.values_list("count", flat=True)) == timed.count() >= 6
