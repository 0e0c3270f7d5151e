"""What a release counts: families of facts, their dimensions, and the values each may take.

A *family* is one population (reports received, cases closed, measures taken, how the
organisation served, survivors' survey answers, people not ready to report) with its own
dimensions. Each family's tables are published together and protected together: the grand total,
one table per dimension, and one per pair of dimensions (where the family publishes pairs).

The values of a dimension are fixed vocabularies, so that a table lists every combination, the
empty ones too (an empty cell is withheld like any count below k, since "none of them" also says
something about each of them). Two values are added where a fact is not known or not shared:
``not_stated`` (the reporter did not say, or did not agree to finer statistics) and ``sealed``
(a report kept as a record only, with no case).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Case, Count, F, Value, When
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from cases.vocabulary import CaseState, ClosureReason, Measure, Outcome
from feedback.models import NotReadyResponse, SurveyResponse
from feedback.vocabulary import (
    NOT_READY_CATEGORIES,
    PREFER_NOT_TO_SAY,
    Agreement,
    HoldsBack,
    SurveyQuestion,
)
from reports.vocabulary import (
    Category,
    LocationType,
    OverrideGround,
    ReporterRole,
    ReportKind,
    Route,
)
from stats.models import ClosureFact, MeasureFact, ReportFact, ServiceFact

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

NOT_STATED = "not_stated"
SEALED = "sealed"
NO_FINDINGS = "none"
OTHER_ENTITIES = "other"

# The aggregate API's dimensions, in their canonical order (``quarter`` is the period itself).
REPORT_DIMENSIONS = (
    "category",
    "entity",
    "route",
    "state",
    "outcome",
    "location_type",
    "reporter_role",
    # Harassment, or retaliation after a report (issue 12): an extension of the contract's list.
    "kind",
)
API_DIMENSIONS = (*REPORT_DIMENSIONS, "quarter")

_NOT_STATED_LABEL = _("Not stated")

# Every value a dimension may take, with its label (entities are added per release).
VALUES: dict[str, list[tuple[str, StrOrPromise]]] = {
    "category": list(Category.choices),
    "route": list(Route.choices),
    "state": [
        *CaseState.choices,
        (SEALED, _("Kept as a record, no case")),
        (NOT_STATED, _NOT_STATED_LABEL),
    ],
    "outcome": [
        *Outcome.choices,
        (NO_FINDINGS, _("No findings yet")),
        (NOT_STATED, _NOT_STATED_LABEL),
    ],
    "location_type": [*LocationType.choices, (NOT_STATED, _NOT_STATED_LABEL)],
    "reporter_role": [*ReporterRole.choices, (NOT_STATED, _NOT_STATED_LABEL)],
    "kind": list(ReportKind.choices),
    "closure_reason": [*ClosureReason.choices, (NOT_STATED, _NOT_STATED_LABEL)],
    "measure": list(Measure.choices),
    "in_time": [("yes", _("Within the promised days")), ("no", _("Later"))],
    "ground": list(OverrideGround.choices),
    "not_ready_category": list(NOT_READY_CATEGORIES),
    **{
        question: [
            *((str(value), label) for value, label in Agreement.choices),
            (PREFER_NOT_TO_SAY, _("Prefer not to say")),
        ]
        for question in SurveyQuestion.values
    },
    **{reason: [("yes", _("Yes")), ("no", _("No"))] for reason in HoldsBack.values},
}


def disclosure_threshold() -> int:
    """k: the smallest count ever published. Never below 3, whatever the configuration says."""
    return max(3, int(settings.STATS_K))


def label_of(dimension: str, value: str) -> StrOrPromise:
    if dimension == "entity":
        return (
            _("Other entities (each too small to show alone)") if value == OTHER_ENTITIES else value
        )
    return dict(VALUES.get(dimension, [])).get(value, value)


@dataclass(frozen=True)
class Family:
    name: str
    model: type[models.Model]
    dimensions: tuple[str, ...]
    # Dimensions that only a report whose reporter agreed to statistics shows; "not_stated" else.
    finer: frozenset[str] = frozenset()
    # Count only facts of reporters who agreed (a fact that is finer as a whole, as a measure).
    consenting_only: bool = False
    kind: str = ""
    # The pairs of dimensions published (None: every pair); the others only as totals and
    # single dimensions.
    pairs: tuple[tuple[str, str], ...] | None = None
    # Stored name of a dimension whose column is named otherwise.
    columns: tuple[tuple[str, str], ...] = ()

    def grouping_sets(self) -> list[tuple[str, ...]]:
        sets: list[tuple[str, ...]] = [(), *((d,) for d in self.dimensions)]
        sets += list(combinations(self.dimensions, 2) if self.pairs is None else self.pairs)
        return sets

    def publishes(self, dims: Sequence[str]) -> bool:
        """Whether a table over these dimensions (canonical order) is released."""
        return tuple(dims) in self.grouping_sets()


REPORTS = Family(
    "reports",
    ReportFact,
    REPORT_DIMENSIONS,
    finer=frozenset({"outcome", "location_type", "reporter_role"}),
)
CLOSURES = Family(
    "closures",
    ClosureFact,
    ("entity", "route", "closure_reason", "outcome"),
    finer=frozenset({"closure_reason", "outcome"}),
)
MEASURES = Family("measures", MeasureFact, ("entity", "measure"), consenting_only=True)
ACKNOWLEDGEMENTS = Family(
    "acknowledgements", ServiceFact, ("entity", "in_time"), kind=ServiceFact.Kind.ACKNOWLEDGED
)
OVERDUE = Family("overdue", ServiceFact, ("entity",), kind=ServiceFact.Kind.OVERDUE)
# Steps taken without the reporter's consent, by entity and by the ground the override named.
OVERRIDES = Family("overrides", ServiceFact, ("entity", "ground"), kind=ServiceFact.Kind.OVERRIDE)
RIGHTS_CONCERNS = Family(
    "rights_concerns", ServiceFact, ("entity",), kind=ServiceFact.Kind.RIGHTS_CONCERN
)

# Survivors' survey: answers by route, question by question (one response is one row).
SURVEY = Family(
    "survey",
    SurveyResponse,
    ("route", *SurveyQuestion.values),
    pairs=tuple(("route", question) for question in SurveyQuestion.values),
)
# Not ready to report: what happened and what holds people back, each counted on its own.
NOT_READY = Family(
    "not_ready",
    NotReadyResponse,
    ("not_ready_category", *HoldsBack.values),
    pairs=(),
    columns=(("not_ready_category", "category"),),
)

FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        REPORTS,
        CLOSURES,
        MEASURES,
        ACKNOWLEDGEMENTS,
        OVERDUE,
        OVERRIDES,
        RIGHTS_CONCERNS,
        SURVEY,
        NOT_READY,
    )
}


def _value_expression(family: Family, dimension: str, listed: Sequence[int]) -> models.Expression:
    if dimension == "entity":
        return Case(
            When(entity_id__in=list(listed), then=F("entity__code")),
            default=Value(OTHER_ENTITIES),
            output_field=models.CharField(),
        )
    if dimension == "in_time" or dimension in HoldsBack.values:
        return Case(
            When(**{dimension: True}, then=Value("yes")),
            default=Value("no"),
            output_field=models.CharField(),
        )
    if dimension in SurveyQuestion.values:
        return Coalesce(
            Cast(dimension, models.CharField()),
            Value(PREFER_NOT_TO_SAY),
            output_field=models.CharField(),
        )
    column = Coalesce(
        NullIf(F(dict(family.columns).get(dimension, dimension)), Value("")), Value(NOT_STATED)
    )
    if dimension in family.finer:
        return Case(
            When(statistics=True, then=column),
            default=Value(NOT_STATED),
            output_field=models.CharField(),
        )
    return column


def family_rows(family: Family, quarters: Sequence[str]) -> models.QuerySet[models.Model]:
    rows = family.model._default_manager.filter(quarter__in=list(quarters))
    if family.kind:
        rows = rows.filter(kind=family.kind)
    if family.consenting_only:
        rows = rows.filter(statistics=True)
    return rows


def count_groups(
    family: Family, quarter: str, listed: Sequence[int]
) -> dict[tuple[str, ...], dict[tuple[str, ...], int]]:
    """For each grouping set of the family, the count of each combination of values that has
    facts: one GROUP BY in the database per set."""
    rows = family_rows(family, [quarter])
    expressions = {d: _value_expression(family, d, listed) for d in family.dimensions}
    counted: dict[tuple[str, ...], dict[tuple[str, ...], int]] = {}
    for dims in family.grouping_sets():
        if not dims:
            counted[dims] = {(): rows.count()}
            continue
        aliases = {f"v_{d}": expressions[d] for d in dims}
        grouped = rows.annotate(**aliases).values(*aliases).annotate(n=Count("pk")).order_by()
        counted[dims] = {tuple(row[f"v_{d}"] for d in dims): row["n"] for row in grouped}
    return counted


def position(dimension: str, value: str) -> tuple[int, str]:
    """Where a value sorts: in its vocabulary's order; entities by code, "other" last."""
    if dimension == "entity":
        return (1 if value == OTHER_ENTITIES else 0, value)
    codes = [code for code, _label in VALUES.get(dimension, [])]
    return (codes.index(value) if value in codes else len(codes), value)


def domain(dimension: str, entity_codes: Sequence[str]) -> list[str]:
    """Every value of a dimension in one release, in a stable order."""
    if dimension == "entity":
        return list(entity_codes)
    return [value for value, _label in VALUES[dimension]]
