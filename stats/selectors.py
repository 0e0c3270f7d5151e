"""Reading released statistics: every number any page, API answer or report shows comes from here.

A period is made of released quarters. A count over several quarters is the sum of the quarters'
published counts, and is withheld when any of them is: a sum of published numbers tells nothing
that the quarters did not already tell, so disclosure control per quarter covers every period.
Three descriptive dimensions at once are not published (their cells are all withheld): cut that
finely, the tables would mostly show counts of one or two people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from django.db.models import Count, IntegerField, Q, Sum
from django.db.models.functions import Cast

from core.quarters import quarters_of_year
from stats.families import FAMILIES, OTHER_ENTITIES, disclosure_threshold, domain, position
from stats.models import Release, ReleasedCell


@dataclass(frozen=True)
class PublishedCell:
    values: dict[str, str]
    count: int | None

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class PublishedTable:
    family: str
    dimensions: list[str]
    cells: list[PublishedCell]
    total: int | None
    k: int
    quarters: list[str] = field(default_factory=list)

    def count(self, **values: str) -> int | None:
        """The count of the cell with these values (``None`` when withheld or absent)."""
        for cell in self.cells:
            if all(cell.values.get(d) == v for d, v in values.items()):
                return cell.count
        return None


def released_quarters() -> list[str]:
    return list(Release.objects.values_list("quarter", flat=True))


def final_quarters_of_year(year: int) -> list[str]:
    """The year's quarters released once they were over (a partial release does not count)."""
    return list(
        Release.objects.filter(quarter__in=quarters_of_year(year), partial=False).values_list(
            "quarter", flat=True
        )
    )


def published_table(
    family_name: str,
    dimensions: Sequence[str],
    quarters: Sequence[str],
    *,
    entity: str | None = None,
) -> PublishedTable:
    """The table of ``family_name`` over ``dimensions`` (``quarter`` among them lays quarters
    side by side) for the released quarters among ``quarters``; ``entity`` keeps that entity's
    cells only."""
    return published_tables([(family_name, dimensions)], quarters, entity=entity)[0]


def published_tables(
    asked: Sequence[tuple[str, Sequence[str]]],
    quarters: Sequence[str],
    *,
    entity: str | None = None,
) -> list[PublishedTable]:
    """The tables of ``asked`` ((family, dimensions) pairs, as ``published_table`` takes them),
    in that order, over the same quarters and entity. A page showing dozens of tables reads
    their cells in a few queries, however many tables and quarters it shows."""
    releases = list(Release.objects.filter(quarter__in=list(quarters)).order_by("quarter"))
    plans = [_TablePlan.of(family, list(dims), entity) for family, dims in asked]
    summed: set[tuple[str, str]] = set()
    by_quarter: set[tuple[str, str]] = set()
    for plan in plans:
        summed.add(plan.total_pair)
        if plan.published:
            (by_quarter if plan.by_quarter else summed).add(plan.pair)
    rows = _CellRows.read(releases, summed, by_quarter)
    return [plan.table(releases, rows) for plan in plans]


@dataclass(frozen=True)
class _TablePlan:
    """What one asked table needs: its cells' (family, dimensions) and its total's."""

    family: str
    dimensions: list[str]
    descriptive: list[str]
    entity: str | None

    @classmethod
    def of(cls, family_name: str, dimensions: list[str], entity: str | None) -> _TablePlan:
        family = FAMILIES[family_name]
        descriptive = [
            d for d in family.dimensions if d in dimensions or (d == "entity" and entity)
        ]
        return cls(family_name, dimensions, descriptive, entity)

    @property
    def by_quarter(self) -> bool:
        return "quarter" in self.dimensions

    @property
    def published(self) -> bool:
        return FAMILIES[self.family].publishes(self.descriptive)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.family, ",".join(self.descriptive))

    @property
    def total_pair(self) -> tuple[str, str]:
        return (self.family, "entity" if self.entity else "")

    def table(self, releases: list[Release], rows: _CellRows) -> PublishedTable:
        if not self.published:
            cells = _withheld_cells(self.descriptive, releases, self.by_quarter)
        elif self.by_quarter:
            cells = [
                PublishedCell({**_values(self.descriptive, key), "quarter": quarter}, count)
                for quarter, key, count in rows.by_quarter.get(self.pair, [])
            ]
        else:
            cells = _summed_cells(self.descriptive, rows.summed.get(self.pair, []), len(releases))
        if self.entity:
            cells = [cell for cell in cells if cell.values.get("entity") == self.entity]
            if "entity" not in self.dimensions:
                cells = [
                    PublishedCell({d: v for d, v in c.values.items() if d != "entity"}, c.count)
                    for c in cells
                ]
        total = rows.total(self.total_pair, self.entity or "", len(releases))
        ordered = [PublishedCell({d: c.values[d] for d in self.dimensions}, c.count) for c in cells]
        return PublishedTable(
            self.family,
            list(self.dimensions),
            ordered,
            total,
            disclosure_threshold(),
            [release.quarter for release in releases],
        )


@dataclass
class _CellRows:
    """The released cells of many (family, dimensions) pairs over the same releases: summed
    over the quarters (one query), or quarter by quarter (one more, when a table asks)."""

    summed: dict[tuple[str, str], list[Mapping[str, Any]]]
    by_quarter: dict[tuple[str, str], list[tuple[str, str, int | None]]]

    @classmethod
    def read(
        cls,
        releases: list[Release],
        summed: set[tuple[str, str]],
        by_quarter: set[tuple[str, str]],
    ) -> _CellRows:
        rows = cls({}, {})
        if not releases:
            return rows
        cells = ReleasedCell.objects.filter(release__in=releases)
        if summed:
            found = (
                cells.filter(_any_of(summed))
                .values("family", "dimensions", "key")
                .annotate(**_SUM_OVER_QUARTERS)
                .order_by("family", "dimensions", "key")
            )
            for row in found:
                rows.summed.setdefault((row["family"], row["dimensions"]), []).append(row)
        if by_quarter:
            listed = (
                cells.filter(_any_of(by_quarter))
                .order_by("release__quarter", "id")
                .values_list("family", "dimensions", "release__quarter", "key", "count")
            )
            for family, dims, quarter, key, count in listed:
                rows.by_quarter.setdefault((family, dims), []).append((quarter, key, count))
        return rows

    def total(self, pair: tuple[str, str], key: str, quarters: int) -> int | None:
        """The period's count of the cell ``key`` of ``pair``; ``None`` without releases."""
        if not quarters:
            return None
        for row in self.summed.get(pair, []):
            if row["key"] == key:
                return _period_count(row, quarters)
        return None


def _any_of(pairs: set[tuple[str, str]]) -> Q:
    wanted = Q(pk__in=[])
    for family, dims in sorted(pairs):
        wanted |= Q(family=family, dimensions=dims)
    return wanted


def _summed_cells(
    dims: list[str], summed: list[Mapping[str, Any]], quarters: int
) -> list[PublishedCell]:
    cells = [
        PublishedCell(_values(dims, row["key"]), _period_count(row, quarters)) for row in summed
    ]
    return sorted(cells, key=lambda cell: _order(dims, cell.values))


# A count over several quarters: how many quarters have the cell, how many withhold it, the sum.
_SUM_OVER_QUARTERS = {
    "n": Count("id"),
    "withheld": Sum(Cast("suppressed", IntegerField())),
    "total": Sum("count"),
}


def _period_count(row: Mapping[str, Any], quarters: int) -> int | None:
    """The sum over the period, or ``None`` when a quarter withholds the cell or does not show
    it alone (an entity counted under "other" there)."""
    if row["n"] != quarters or row["withheld"]:
        return None
    return int(row["total"])


def _values(dims: list[str], key: str) -> dict[str, str]:
    return dict(zip(dims, key.split("|"), strict=True)) if dims else {}


def _order(dims: list[str], values: dict[str, str]) -> tuple[tuple[int, str], ...]:
    return tuple(position(d, values[d]) for d in dims)


def _withheld_cells(
    dims: list[str], releases: list[Release], by_quarter: bool
) -> list[PublishedCell]:
    codes = sorted({code for release in releases for code in release.listed_entities})
    codes.append(OTHER_ENTITIES)
    combinations = product(*(domain(d, codes) for d in dims))
    cells = [PublishedCell(dict(zip(dims, values, strict=True)), None) for values in combinations]
    if by_quarter:
        return [
            PublishedCell({**cell.values, "quarter": release.quarter}, None)
            for release in releases
            for cell in cells
        ]
    return cells
