"""The day, the only time kept for anything a reporter does.

The footer promises that Upstander does not record the exact time a reporter visits: what a
reporter does (a submission, a message, a consent or route change) is stamped at midnight UTC
of its day, and kept in order by a per-report or per-stream position instead (issue 11). It
lives here, in the lowest app that stamps reporter events, so the trail and the record share it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from django.utils import timezone


def day_start(day: date) -> datetime:
    """Midnight UTC of ``day``."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def today_start() -> datetime:
    """Midnight UTC today: the stamp of anything a reporter does now."""
    return day_start(timezone.now().astimezone(UTC).date())
