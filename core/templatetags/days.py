"""Dates in words for the pages ("26 November 2026"), never a raw timestamp (issue 11)."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format

register = template.Library()


def parsed_day_or_moment(value: object) -> date | None:
    """A date or datetime as given, or parsed from its ISO form; ``None`` if it is neither."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return parse_datetime(value) or parse_date(value)
        except ValueError:  # well formed but no such day, such as 2026-02-30
            return None
    return None


@register.filter
def day_in_words(value: str | date | None) -> str:
    """The day of an ISO date or timestamp, in words in the reader's language.

    Timestamps are read in UTC, the zone in which a reporter's day is stamped; a value that is
    not a date is shown as it is rather than hidden.
    """
    if value in (None, ""):
        return ""
    parsed = parsed_day_or_moment(value)
    if parsed is None:
        return str(value)
    day = parsed.date() if isinstance(parsed, datetime) else parsed
    return date_format(day, "DATE_FORMAT")
