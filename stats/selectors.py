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

from django.db.models import Count, IntegerField, Sum
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
    family = FAMILIES[family_name]
    releases = list(Release.objects.filter(quarter__in=list(quarters)).order_by("quarter"))
    released = [release.quarter for release in releases]
    by_quarter = "quarter" in dimensions
    descriptive = [d for d in family.dimensions if d in dimensions or (d == "entity" and entity)]
    if not family.publishes(descriptive):
        cells = _withheld_cells(descriptive, releases, by_quarter)
    else:
        cells = _cells(family_name, descriptive, releases, by_quarter)
    if entity:
        cells = [cell for cell in cells if cell.values.get("entity") == entity]
        if "entity" not in dimensions:
            cells = [
                PublishedCell({d: v for d, v in c.values.items() if d != "entity"}, c.count)
                for c in cells
            ]
        total = _sum_total(family_name, ["entity"], releases, {"entity": entity})
    else:
        total = _sum_total(family_name, [], releases, {})
    ordered = [PublishedCell({d: c.values[d] for d in dimensions}, c.count) for c in cells]
    return PublishedTable(
        family_name, list(dimensions), ordered, total, disclosure_threshold(), released
    )


def _cells(
    family_name: str, dims: list[str], releases: list[Release], by_quarter: bool
) -> list[PublishedCell]:
    rows = ReleasedCell.objects.filter(
        release__in=releases, family=family_name, dimensions=",".join(dims)
    )
    if by_quarter:
        found = rows.order_by("release__quarter", "id").values_list(
            "release__quarter", "key", "count"
        )
        return [
            PublishedCell({**_values(dims, key), "quarter": quarter}, count)
            for quarter, key, count in found
        ]
    summed = rows.values("key").annotate(**_SUM_OVER_QUARTERS).order_by("key")
    cells = [
        PublishedCell(_values(dims, row["key"]), _period_count(row, len(releases)))
        for row in summed
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


def _sum_total(
    family_name: str, dims: list[str], releases: list[Release], values: dict[str, str]
) -> int | None:
    if not releases:
        return None
    key = "|".join(values[d] for d in dims)
    row = ReleasedCell.objects.filter(
        release__in=releases, family=family_name, dimensions=",".join(dims), key=key
    ).aggregate(**_SUM_OVER_QUARTERS)
    return _period_count(row, len(releases))
