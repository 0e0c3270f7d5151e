"""Dates on staff pages in words, in the staff member's time zone (the active one).

The case's decrypted content carries ISO strings (the API's shape); these filters turn them, or
a date or datetime, into the locale's words, so no page shows a raw timestamp."""

from __future__ import annotations

import datetime
import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats, timezone, translation

from core.templatetags.days import day_in_words as day_as_stamped
from core.templatetags.days import parsed_day_or_moment

register = template.Library()


@register.filter
def day_in_words(value: object) -> str:
    """The day only (``DATE_FORMAT``), as it falls in the active time zone."""
    parsed = parsed_day_or_moment(value)
    if parsed is None:
        return ""
    if isinstance(parsed, datetime.datetime):
        parsed = timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
    return formats.date_format(parsed, "DATE_FORMAT")


@register.filter
def moment_in_words(value: object) -> str:
    """Day and time (``DATETIME_FORMAT``) in the active time zone; a date alone stays a day."""
    if not isinstance(value, str | datetime.date):
        return ""
    return _moment_in_words(value, translation.get_language(), timezone.get_current_timezone())


# A case page writes some 150 moments an opening, and Django's formatter looks up the format,
# the language and the month names again for each: a moment is written once per language and
# time zone, both part of the key, so nobody is shown another reader's zone or words.
_MOMENTS_KEPT = 8192


@functools.lru_cache(maxsize=_MOMENTS_KEPT)
def _moment_in_words(
    value: str | datetime.date, _language: str | None, zone: datetime.tzinfo
) -> str:
    parsed = parsed_day_or_moment(value)
    if parsed is None:
        return ""
    if not isinstance(parsed, datetime.datetime):
        return formats.date_format(parsed, "DATE_FORMAT")
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed, zone)
    return formats.date_format(parsed, "DATETIME_FORMAT")


@receiver(setting_changed)
def _forget_moments(**_kwargs: object) -> None:
    # Formats and time zones come from settings: a change (a test's) must not show stale words.
    _moment_in_words.cache_clear()


@register.filter
def reporter_day(value: object) -> str:
    """What a reporter did is stamped with its day only, at midnight UTC (issue 11): that day as
    stamped, never moved into the reader's zone, where it would fall on the day before."""
    return day_as_stamped(value if isinstance(value, str | datetime.date) else None)


@register.filter
def audit_moment(value: object) -> str:
    """An audit entry's time: what a reporter did (and what the system did in the same
    request) is stamped at midnight UTC of its day, and is shown as that day, never as a
    moment ("midnight") it did not happen at."""
    parsed = parsed_day_or_moment(value)
    if isinstance(parsed, datetime.datetime) and timezone.is_aware(parsed):
        utc = parsed.astimezone(datetime.UTC)
        if (utc.hour, utc.minute, utc.second, utc.microsecond) == (0, 0, 0, 0):
            return reporter_day(utc)
    return moment_in_words(value)
