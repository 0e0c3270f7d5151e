"""What a reader may ask of the statistics, checked in one place for the API and the pages.

A bad parameter is a 400 ``validation_error`` naming it; nothing is counted.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Entity
from core.errors import InvalidInputError
from core.quarters import quarter_bounds, quarter_of, quarters_between
from stats.families import API_DIMENSIONS, OTHER_ENTITIES
from stats.selectors import released_quarters

MAX_DIMENSIONS = 3


@dataclass(frozen=True)
class Period:
    """Whole quarters: ``from`` and ``to`` snap outwards to the quarters they fall in."""

    first: str
    last: str

    @property
    def quarters(self) -> list[str]:
        return quarters_between(self.first, self.last)

    @property
    def first_day(self) -> datetime.date:
        return quarter_bounds(self.first)[0]

    @property
    def last_day(self) -> datetime.date:
        return quarter_bounds(self.last)[1]


def dimensions_asked(params: Mapping[str, str]) -> list[str]:
    raw = params.get("dimensions", "")
    asked = [name.strip() for name in raw.split(",") if name.strip()]
    problems = []
    unknown = [name for name in asked if name not in API_DIMENSIONS]
    if unknown:
        problems.append(
            _("Unknown dimension: %(names)s. Choose from %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(API_DIMENSIONS)}
        )
    if len(asked) > MAX_DIMENSIONS:
        problems.append(_("Ask for at most %(max)d dimensions.") % {"max": MAX_DIMENSIONS})
    if len(set(asked)) != len(asked):
        problems.append(_("Name each dimension once."))
    if problems:
        raise InvalidInputError({"dimensions": problems})
    return asked


def period_asked(params: Mapping[str, str]) -> Period:
    """The period asked for; without ``from``/``to``, every released quarter."""
    released = released_quarters()
    bounds: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    for name in ("from", "to"):
        raw = params.get(name, "").strip()
        if not raw:
            continue
        try:
            bounds[name] = quarter_of(datetime.date.fromisoformat(raw))
        except ValueError:
            problems[name] = [_("Give a date as YYYY-MM-DD.")]
    if problems:
        raise InvalidInputError(problems)
    first = bounds.get("from") or (released[0] if released else quarter_of(timezone.localdate()))
    last = bounds.get("to") or (released[-1] if released else first)
    if quarter_bounds(first)[0] > quarter_bounds(last)[0]:
        raise InvalidInputError({"to": [_("The end of the period comes before its start.")]})
    return Period(first, last)


def year_asked(params: Mapping[str, str]) -> int:
    raw = params.get("year", "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4 and 1900 < int(raw) < 2200):
        raise InvalidInputError({"year": [_("Give a year as four digits, such as 2026.")]})
    return int(raw)


def entity_asked(params: Mapping[str, str]) -> str | None:
    code = params.get("entity", "").strip()
    if not code:
        return None
    if code != OTHER_ENTITIES and not Entity.objects.filter(code=code).exists():
        raise InvalidInputError({"entity": [_("No entity has this code.")]})
    return code


def entity_named(code: str | None) -> Entity | None:
    """The entity of a code ``entity_asked`` accepted (``None`` for all, or for "other")."""
    return Entity.objects.filter(code=code).first() if code else None
