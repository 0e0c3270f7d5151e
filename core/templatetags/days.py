"""Dates in words for the pages ("26 November 2026"), never a raw timestamp (issue 11)."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils.formats import date_format

register = template.Library()


@register.filter
def day_in_words(value: str | date | None) -> str:
    """The day of an ISO date or timestamp, in words in the reader's language.

    Timestamps are read in UTC, the zone in which a reporter's day is stamped; a value that is
    not a date is shown as it is rather than hidden.
    """
    if value in (None, ""):
        return ""
    day: date
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
        except ValueError:
            return str(value)
    return date_format(day, "DATE_FORMAT")
