"""Quarters: the finest time that statistics and feedback ever keep ("2026Q4").

A precise date next to a category can be matched against who was where; a quarter cannot.
"""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

_LABEL = re.compile(r"^(\d{4})Q([1-4])$")


def quarter_of(day: datetime.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def current_quarter() -> str:
    return quarter_of(timezone.localdate())


def parse_quarter(label: str) -> tuple[int, int]:
    """(year, quarter) of a label; ``ValueError`` when it is not one."""
    match = _LABEL.match(label)
    if match is None:
        raise ValueError(f"not a quarter: {label!r}")
    return int(match.group(1)), int(match.group(2))


def quarter_bounds(label: str) -> tuple[datetime.date, datetime.date]:
    """The first and the last day of a quarter."""
    year, quarter = parse_quarter(label)
    first = datetime.date(year, 3 * quarter - 2, 1)
    following = next_quarter(label)
    next_year, next_number = parse_quarter(following)
    last = datetime.date(next_year, 3 * next_number - 2, 1) - datetime.timedelta(days=1)
    return first, last


def next_quarter(label: str) -> str:
    year, quarter = parse_quarter(label)
    return f"{year + 1}Q1" if quarter == 4 else f"{year}Q{quarter + 1}"


def previous_quarter(label: str) -> str:
    year, quarter = parse_quarter(label)
    return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"


def quarters_of_year(year: int) -> list[str]:
    return [f"{year}Q{number}" for number in range(1, 5)]


def quarters_between(first: str, last: str) -> list[str]:
    """Every quarter from ``first`` to ``last``, both included (empty when last is earlier)."""
    quarters = []
    current = first
    while parse_quarter(current) <= parse_quarter(last):
        quarters.append(current)
        current = next_quarter(current)
    return quarters
