"""The annual transparency report: cases and consequences, per entity and system-wide.

Every count in it is a cell of the released, protected tables (``stats.selectors``), read for the
year's released quarters, so it shows exactly the numbers and the withholding that the API and
the dashboard show. Medians and shares describe how the organisation served (days to
acknowledge, days to close); they are shown only when at least k cases stand behind them.

Until leadership approves the year, the report is a draft that only leadership and
administrators read; once approved it is the page ``/transparency/`` that personnel read.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import policy
from accounts.models import Entity, User
from stats.families import disclosure_threshold, label_of
from stats.models import Release, ServiceDays, ServiceFact, TransparencyApproval
from stats.selectors import (
    PublishedTable,
    final_quarters_of_year,
    published_table,
    published_tables,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Section:
    """One table of the report: a family's counts over one dimension (or two)."""

    key: str
    title: StrOrPromise
    table: PublishedTable

    def rows(self) -> list[tuple[str, str, int | None]]:
        """(code, label, count) for a one-dimension table."""
        dimension = self.table.dimensions[0]
        return [
            (cell.values[dimension], str(label_of(dimension, cell.values[dimension])), cell.count)
            for cell in self.table.cells
        ]


@dataclass(frozen=True)
class Figure:
    key: str
    label: StrOrPromise
    # None: withheld (too few cases stand behind it).
    value: float | None
    unit: str  # "count", "days" or "percent"


@dataclass
class TransparencyReport:
    year: int
    entity: Entity | None
    k: int
    quarters: list[str]
    approved_on: datetime.date | None
    sections: list[Section] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return len(self.quarters) == 4

    @property
    def scope(self) -> str:
        return self.entity.name if self.entity else _("All entities")

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)

    def figure(self, key: str) -> Figure:
        return next(figure for figure in self.figures if figure.key == key)


SECTIONS: list[tuple[str, str, list[str], StrOrPromise]] = [
    ("by_category", "reports", ["category"], gettext_lazy("Reports received, by category")),
    (
        "by_route",
        "reports",
        ["route"],
        gettext_lazy("Reports received, by the route the reporter chose"),
    ),
    (
        "category_by_route",
        "reports",
        ["category", "route"],
        gettext_lazy("Reports received, by category and route"),
    ),
    (
        "by_kind",
        "reports",
        ["kind"],
        gettext_lazy("Reports received: harassment, and retaliation after a report"),
    ),
    (
        "closures",
        "closures",
        ["closure_reason"],
        gettext_lazy("Cases closed, by how they ended"),
    ),
    ("findings", "closures", ["outcome"], gettext_lazy("Cases closed, by findings")),
    ("measures", "measures", ["measure"], gettext_lazy("Measures taken, by type")),
    (
        "acknowledgements",
        "acknowledgements",
        ["in_time"],
        gettext_lazy("Reports acknowledged, within the promised days or later"),
    ),
    (
        "overrides_by_ground",
        "overrides",
        ["ground"],
        gettext_lazy("Steps taken without the reporter's consent (four-eyes overrides), by ground"),
    ),
]


def transparency_report(year: int, entity: Entity | None = None) -> TransparencyReport:
    quarters = final_quarters_of_year(year)
    approval = TransparencyApproval.objects.filter(year=year).first()
    code = entity.code if entity else None
    report = TransparencyReport(
        year=year,
        entity=entity,
        k=disclosure_threshold(),
        quarters=quarters,
        approved_on=approval.approved_on if approval else None,
    )
    tables = published_tables(
        [(family, dims) for _k, family, dims, _t in SECTIONS], quarters, entity=code
    )
    report.sections = [
        Section(key, title, table)
        for (key, _family, _dims, title), table in zip(SECTIONS, tables, strict=True)
    ]
    report.figures = service_figures(quarters, entity)
    return report


def service_figures(quarters: Sequence[str], entity: Entity | None) -> list[Figure]:
    """How the organisation served over a run of released quarters: reports received, the
    share acknowledged in time, median days to acknowledge and to close, cases overdue at the
    end, consent overrides, advocates' rights concerns. The same figures as the transparency report's, for any period."""
    quarters = list(quarters)
    code = entity.code if entity else None
    k = disclosure_threshold()
    totals, overrides_table, concerns_table, acknowledged = published_tables(
        [
            ("reports", []),
            ("overrides", []),
            ("rights_concerns", []),
            ("acknowledgements", ["in_time"]),
        ],
        quarters,
        entity=code,
    )
    received, overrides, rights_concerns = totals.total, overrides_table.total, concerns_table.total
    # Inaction as at the end of the period's last released quarter (a sum over quarters would
    # count a case that stayed overdue once per quarter).
    overdue = published_table("overdue", [], quarters[-1:], entity=code).total
    in_time = acknowledged.count(in_time="yes")
    share = (
        round(100 * in_time / acknowledged.total)
        if in_time is not None and acknowledged.total
        else None
    )
    facts = _service_facts(quarters, entity)
    kind = ServiceFact.Kind
    return [
        Figure("received", gettext_lazy("Reports received"), received, "count"),
        Figure(
            "acknowledged_within_days",
            gettext_lazy("Acknowledged within the promised 7 days"),
            share,
            "percent",
        ),
        Figure(
            "median_days_to_acknowledgement",
            gettext_lazy("Median days from report to acknowledgement"),
            _median(facts.filter(kind=kind.ACKNOWLEDGED), k),
            "days",
        ),
        Figure(
            "median_days_to_closure",
            gettext_lazy("Median days from report to closure"),
            _median(facts.filter(kind=kind.CLOSED), k),
            "days",
        ),
        Figure(
            "overdue",
            gettext_lazy(
                "Cases overdue at the end of the period (not acknowledged or not answered in time)"
            ),
            overdue,
            "count",
        ),
        Figure(
            "consent_overrides",
            gettext_lazy("Steps taken without the reporter's consent, by a four-eyes override"),
            overrides,
            "count",
        ),
        Figure(
            "rights_concerns",
            gettext_lazy("Concerns raised by victims' rights advocates about a case's handling"),
            rights_concerns,
            "count",
        ),
    ]


def _service_facts(quarters: Sequence[str], entity: Entity | None) -> QuerySet[ServiceDays]:
    facts = ServiceDays.objects.filter(quarter__in=quarters)
    if entity is None:
        return facts
    listed_throughout = all(
        entity.code in release.listed_entities
        for release in Release.objects.filter(quarter__in=quarters)
    )
    # An entity counted under "other" in a quarter shows no figures of its own for the period.
    return facts.filter(entity=entity) if listed_throughout else facts.none()


def _median(histogram: QuerySet[ServiceDays], k: int) -> float | None:
    """The median number of days, from the released histogram; withheld below k cases."""
    counts = list(
        histogram.values("days").annotate(n=Sum("count")).order_by("days").values_list("days", "n")
    )
    total = sum(n for _days, n in counts)
    if total < k:
        return None
    # The values at positions (total - 1) // 2 and total // 2 (0-based) of the sorted list.
    wanted = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for days, n in counts:
        while wanted and wanted[0] < seen + n:
            found.append(days)
            wanted.pop(0)
        seen += n
    return (found[0] + found[1]) / 2


# --- access ----------------------------------------------------------------------------------


def may_read(user: User | None, entity: Entity | None, year: int) -> bool:
    approved = TransparencyApproval.objects.filter(year=year).exists()
    return policy.reads_transparency_report(
        user, approved=approved, published_openly=published_openly(entity)
    )


def published_openly(entity: Entity | None) -> bool:
    """An entity's report where the entity chose to publish it; the system-wide one where the
    organisation did (``TRANSPARENCY_REPORT_PUBLIC``)."""
    if entity is None:
        return bool(settings.TRANSPARENCY_REPORT_PUBLIC)
    return entity.publishes_transparency_report


def approved_years() -> list[int]:
    return list(TransparencyApproval.objects.order_by("-year").values_list("year", flat=True))
