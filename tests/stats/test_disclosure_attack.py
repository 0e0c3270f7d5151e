"""Proof by attack: everything the statistics API publishes, solved for every withheld count.

A fixture with singletons and near-singletons in every dimension is released. The test then
collects every answer the API gives for it (the total, every dimension, every pair of dimensions,
for every period of whole quarters) and plays the attacker: unknowns are the counts of each
quarter's tables, tied by what any reader knows (a row of a table adds up to its row total, a
table's totals add up to the grand total) and by every published number. For each withheld
count it solves two linear programmes, its smallest and its largest value; the interval must
hold at least k whole numbers. With complementary suppression turned off, the same attack must
find a count it can work out or narrow.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import highspy
import numpy as np
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Entity, Role, User
from cases.models import Case, CaseMeasure, RightsConcern
from core.quarters import quarter_bounds
from feedback.models import NotReadyResponse, SurveyResponse
from stats import protection
from stats.api import table_answer
from stats.families import API_DIMENSIONS, FAMILIES, REPORT_DIMENSIONS, REPORTS, Family
from stats.selectors import published_table
from stats.services import release_due
from stats.transparency import SECTIONS
from tests.helpers.stats import file_report

pytestmark = pytest.mark.django_db

K = 5
QUARTERS = ["2026Q1", "2026Q2", "2026Q3"]  # nothing happens in the third: it is not released
TOLERANCE = 1e-6

CATEGORIES = ["verbal"] * 5 + ["non_verbal"] * 3 + ["physical"] * 2 + ["sexual_assault"]
ROUTES = ["informal"] * 4 + ["formal"] * 3 + ["support_only"] * 2 + ["undecided"]
PLACES = ["field"] * 4 + ["headquarters"] * 2 + ["remote_or_online"] + ["offsite_event"] + [""]
ROLES = ["affected_person"] * 6 + ["witness"]
STATES = ["received"] * 3 + ["acknowledged"] * 2 + ["assessment", "investigation", "closed"]
OUTCOMES = {"closed": "substantiated", "investigation": ""}
# Reports of retaliation (issue 12), few as they are in life: the attack covers their counts.
KINDS = ["harassment"] * 5 + ["retaliation"]


def _fixture_reports(main: Entity, second: Entity, tiny: Entity) -> None:
    """Two quarters of reports: a skewed mix in which every dimension has values held by one
    or two reports, a few reports without the statistics consent, sealed records, and a tiny
    entity that is only ever counted under "other"."""
    for offset, quarter in enumerate(QUARTERS[:2]):
        for i in range(23 + 5 * offset):
            entity = main if i % 3 else second
            state = STATES[(i + offset) % len(STATES)]
            file_report(
                entity,
                quarter=quarter,
                category=CATEGORIES[(i * 7 + offset) % len(CATEGORIES)],
                route=ROUTES[(i * 3 + offset) % len(ROUTES)],
                location_type=PLACES[(i * 5 + offset) % len(PLACES)],
                reporter_role=ROLES[(i + 2 * offset) % len(ROLES)],
                kind=KINDS[(i * 5 + 2 * offset) % len(KINDS)],
                statistics=i % 6 != 5,
                state=state,
                outcome=OUTCOMES.get(state, ""),
            )
        file_report(
            tiny, quarter=quarter, category="quid_pro_quo", route="record_only", case_review=False
        )
        file_report(
            main,
            quarter=quarter,
            category="technology_facilitated",
            route="record_only",
            case_review=False,
            statistics=False,
        )


def _fixture_events() -> None:
    """What happened to the cases in their quarter (acknowledged in time or late, closed for
    one reason or another, measures), and survey and "not ready" answers: every family has
    small counts to hide."""
    reasons = ["resolved_informally", "unsubstantiated", "substantiated_measures_taken"]
    measures = ["written_censure", "written_censure", "fine", "dismissal"]
    cases = Case.objects.select_related("report").order_by("report__reference")
    for i, case in enumerate(cases):
        arrived = timezone.make_aware(
            datetime.datetime.combine(case.report.submitted_on, datetime.time(9))
        )
        acknowledged = arrived + datetime.timedelta(days=(2, 5, 11)[i % 3])
        closed = case.state == "closed"
        Case.objects.filter(pk=case.pk).update(
            acknowledged_at=None if case.state == "received" else acknowledged,
            closed_at=arrived + datetime.timedelta(days=40) if closed else None,
            closure_reason=reasons[i % 3] if closed else "",
        )
        if closed and case.outcome == "substantiated":
            CaseMeasure.objects.create(
                case=case, measure=measures[i % 4], recorded_on=case.report.submitted_on
            )
        if i % 4 == 1:
            # An advocate's rights concern a few days after the report (issue 12).
            RightsConcern.objects.create(
                case=case,
                kind=("not_informed", "deadline_missed")[i % 2],
                raised_by=_advocate_of(case.entity),
                raised_at=arrived + datetime.timedelta(days=3),
            )
    for i, quarter in enumerate(QUARTERS[:2] * 4):
        SurveyResponse.objects.create(
            quarter=quarter,
            route=("informal", "formal")[i % 2],
            felt_heard=(4, 5, None)[i % 3],
            informed_at_every_stage=(2, 4)[i % 2],
            safe_from_retaliation=5,
            timely=(1, 3, 3)[i % 3],
            would_recommend=None,
        )
        NotReadyResponse.objects.create(
            quarter=quarter,
            category=("verbal", "physical", "prefer_not_to_say")[i % 3],
            fear_of_retaliation=i % 2 == 0,
            not_believed=i % 3 == 0,
        )


def _advocate_of(entity: Entity) -> User:
    advocate, _created = User.objects.get_or_create(
        username=f"advocate_{entity.code}",
        defaults={"role": Role.VICTIMS_RIGHTS_ADVOCATE, "entity": entity},
    )
    return advocate


@pytest.fixture
def released(entity: Entity, other_entity: Entity, settings: Any) -> None:
    settings.STATS_K = K
    tiny = Entity.objects.create(code="TINY", name="A very small office")
    _fixture_reports(entity, other_entity, tiny)
    _fixture_events()
    assert release_due() == QUARTERS[:2]  # nothing happened in the third: nothing to release


@dataclass
class Attacker:
    """Every published number, as linear equations over each quarter's table cells."""

    client: APIClient
    columns: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], int] = field(
        default_factory=dict
    )
    rows: list[tuple[dict[int, float], float]] = field(default_factory=list)
    # The withheld numbers: each a sum of cells (column -> coefficient), with where it was read.
    withheld: dict[tuple[int, ...], str] = field(default_factory=dict)
    family: str = "reports"

    def cell(self, quarter: str, dims: tuple[str, ...], values: tuple[str, ...]) -> int:
        key = (self.family, quarter, dims, values)
        if key not in self.columns:
            self.columns[key] = len(self.columns)
        return self.columns[key]

    def ask(self, dimensions: list[str], quarters: list[str]) -> dict[str, Any]:
        first, last = quarter_bounds(quarters[0])[0], quarter_bounds(quarters[-1])[1]
        response = self.client.get(
            "/api/v1/stats/aggregate",
            {"dimensions": ",".join(dimensions), "from": str(first), "to": str(last)},
        )
        assert response.status_code == 200, response.content
        body: dict[str, Any] = response.json()
        assert body["k"] == K
        return body

    def read(self, dimensions: list[str], quarters: list[str]) -> None:
        self.take(self.ask(dimensions, quarters), dimensions, quarters, REPORT_DIMENSIONS)

    def read_table(self, family: Family, dimensions: list[str], quarters: list[str]) -> None:
        """A table of another family, as the dashboard and the transparency report show it."""
        table = published_table(family.name, dimensions, quarters)
        body = table_answer(table)
        self.family = family.name
        try:
            self.take(body, dimensions, quarters, family.dimensions)
        finally:
            self.family = "reports"

    def take(
        self,
        body: dict[str, Any],
        dimensions: list[str],
        quarters: list[str],
        order: tuple[str, ...],
    ) -> None:
        descriptive = tuple(d for d in order if d in dimensions)
        for cell in body["cells"]:
            if cell["suppressed"]:
                assert cell["count"] is None
            else:
                assert cell["count"] is not None
                assert cell["count"] >= K, f"{cell} published below k"
            values = tuple(cell[d] for d in descriptive)
            # The quarters the answer counted: the released ones of the period asked.
            in_period = [cell["quarter"]] if "quarter" in dimensions else body["quarters"]
            self.publish(
                descriptive, values, in_period, cell["count"], f"{dimensions} {quarters} {cell}"
            )
        if body["quarters"]:
            self.publish((), (), body["quarters"], body["total"], f"total {quarters}")

    def read_transparency_report(self, year: int) -> None:
        """The report's numbers are cells of the tables above, for the year's released quarters:
        the same numbers, so nothing new for the attacker; checked, then taken in too."""
        body = self.client.get("/api/v1/stats/transparency-report", {"year": str(year)}).json()
        for key, family, dims, _title in SECTIONS:
            section = body["sections"][key]
            assert (
                section["cells"]
                == table_answer(published_table(family, dims, body["quarters"]))["cells"]
            ), key
            self.family = family
            try:
                self.take(section, dims, body["quarters"], FAMILIES[family].dimensions)
            finally:
                self.family = "reports"
        for figure in ("received", "overdue", "consent_overrides", "rights_concerns"):
            value = body["figures"][figure]["value"]
            assert value is None or value >= K

    def publish(
        self,
        dims: tuple[str, ...],
        values: tuple[str, ...],
        quarters: list[str],
        count: int | None,
        where: str,
    ) -> None:
        if len(dims) > 2:
            assert count is None, f"three descriptive dimensions published: {where}"
            return
        terms = {self.cell(q, dims, values): 1.0 for q in quarters}
        if count is None:
            self.withheld.setdefault(tuple(sorted(terms)), where)
        else:
            self.rows.append((terms, float(count)))

    def tie_tables(self) -> None:
        """What every reader knows: rows add up to row totals, totals to the grand total."""
        for family in FAMILIES.values():
            self.family = family.name
            self._tie_family(family)
        self.family = "reports"

    def _tie_family(self, family: Family) -> None:
        for quarter in QUARTERS:
            for dims, values in self._values_seen(family, quarter):
                if len(dims) == 1:
                    parent = self.cell(quarter, (), ())
                    self._tie(parent, [self.cell(quarter, dims, (v,)) for v in values])
                elif len(dims) == 2:
                    first, second = values
                    for a in first:
                        parent = self.cell(quarter, dims[:1], (a,))
                        self._tie(parent, [self.cell(quarter, dims, (a, b)) for b in second])
                    for b in second:
                        parent = self.cell(quarter, dims[1:], (b,))
                        self._tie(parent, [self.cell(quarter, dims, (a, b)) for a in first])

    def _values_seen(self, family: Family, quarter: str) -> Iterator[tuple[tuple[str, ...], Any]]:
        seen: dict[str, set[str]] = {}
        pairs: set[tuple[str, ...]] = set()
        for name, q, dims, cell_values in list(self.columns):
            if name == family.name and q == quarter:
                if len(dims) == 1:
                    seen.setdefault(dims[0], set()).add(cell_values[0])
                if len(dims) == 2:
                    pairs.add(dims)
        for d, found in seen.items():
            yield (d,), sorted(found)
        for a, b in sorted(pairs):
            yield (a, b), (sorted(seen[a]), sorted(seen[b]))

    def _tie(self, parent: int, children: list[int]) -> None:
        terms = {child: 1.0 for child in children}
        terms[parent] = terms.get(parent, 0.0) - 1.0
        self.rows.append((terms, 0.0))

    def narrow(self, *, first_only: bool = False) -> list[tuple[str, float, float]]:
        """Every withheld number whose feasible interval holds fewer than k whole numbers.

        Each number's smallest and largest value come from a linear programme. Every solution
        found is also a feasible point for all the other numbers: where those points already
        span k whole numbers for a number, its interval (which contains them) is wide enough,
        and its own programmes are not needed.
        """
        programme = _Programme(self.rows, list(self.withheld), len(self.columns))
        # A few far corners of the feasible region first: they settle most numbers at once.
        directions = np.random.default_rng(seed=9)
        for _ in range(40):
            programme.solve(directions.uniform(-1.0, 1.0, programme.count))
        found = []
        for row, columns in enumerate(programme.functionals):
            for sense in (-1.0, 1.0):
                if programme.whole_numbers(row) >= K:
                    break
                objective = np.zeros(programme.count)
                objective[list(columns)] = sense
                if not programme.solve(objective):
                    programme.highest[row] = np.inf  # no published number limits it
            if programme.whole_numbers(row) < K:
                found.append((self.withheld[columns], *programme.interval(row)))
                if first_only:
                    break
        return found


class _Programme:
    """The attacker's linear programme, and the range each withheld number took so far."""

    def __init__(
        self,
        rows: list[tuple[dict[int, float], float]],
        functionals: list[tuple[int, ...]],
        count: int,
    ) -> None:
        self.count = count
        self.functionals = functionals
        self.solver = highspy.Highs()  # type: ignore[no-untyped-call]
        self.solver.setOptionValue("output_flag", False)
        self.solver.addVars(count, np.zeros(count), np.full(count, highspy.kHighsInf))
        for terms, value in rows:
            indices = np.array(list(terms), dtype=np.int32)
            self.solver.addRow(value, value, len(indices), indices, np.array(list(terms.values())))
        self.matrix = np.zeros((len(functionals), count))
        for row, columns in enumerate(functionals):
            self.matrix[row, list(columns)] = 1.0
        self.lowest = np.full(len(functionals), np.inf)
        self.highest = np.full(len(functionals), -np.inf)

    def solve(self, objective: np.ndarray[Any, Any]) -> bool:
        self.solver.changeColsCost(self.count, np.arange(self.count, dtype=np.int32), objective)
        self.solver.run()
        status = self.solver.getModelStatus()
        if status == highspy.HighsModelStatus.kUnbounded:
            return False
        assert status == highspy.HighsModelStatus.kOptimal, status
        values = self.matrix @ np.array(self.solver.getSolution().col_value)
        np.minimum(self.lowest, values, out=self.lowest)
        np.maximum(self.highest, values, out=self.highest)
        return True

    def interval(self, row: int) -> tuple[float, float]:
        return float(self.lowest[row]), float(self.highest[row])

    def whole_numbers(self, row: int) -> float:
        return _whole_numbers(*self.interval(row))


def _whole_numbers(low: float, high: float) -> float:
    if low > high:
        return 0  # no feasible point seen yet
    if high == math.inf:
        return math.inf
    return math.floor(high + TOLERANCE) - math.ceil(low - TOLERANCE) + 1


def attack(leadership: User, staff_api: Any) -> Attacker:
    attacker = Attacker(staff_api(leadership))
    periods = [
        QUARTERS[first : last + 1]
        for first in range(len(QUARTERS))
        for last in range(first, len(QUARTERS))
    ]
    askable = [
        [],
        *([d] for d in API_DIMENSIONS),
        *(list(p) for p in combinations(API_DIMENSIONS, 2)),
    ]
    for period in periods:
        for dimensions in askable:
            attacker.read(dimensions, period)
        # The other families: every table the dashboard or the transparency report could show.
        for family in FAMILIES.values():
            if family is not REPORTS:
                for dims in family.grouping_sets():
                    attacker.read_table(family, list(dims), period)
    attacker.read_transparency_report(2026)
    attacker.tie_tables()
    return attacker


def test_no_withheld_count_can_be_worked_out_or_narrowed_below_k(
    released: None, leadership: User, staff_api: Any
) -> None:
    attacker = attack(leadership, staff_api)

    assert len(attacker.withheld) > 100  # the fixture does have small counts to hide
    assert attacker.rows  # and published ones to attack them with
    assert {family for family, *_ in attacker.columns} == set(FAMILIES)
    assert attacker.narrow() == []


def test_without_complementary_suppression_the_attack_recovers_counts(
    entity: Entity,
    other_entity: Entity,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    leadership: User,
    staff_api: Any,
) -> None:
    settings.STATS_K = K
    monkeypatch.setattr(protection, "complement", lambda counts, lines, k, withheld: withheld)
    tiny = Entity.objects.create(code="TINY", name="A very small office")
    _fixture_reports(entity, other_entity, tiny)
    _fixture_events()
    release_due()

    assert attack(leadership, staff_api).narrow(first_only=True) != []
