"""Slowing down guessing (receipts, staff passwords) and ballot stuffing (reports, "not ready"
answers) without keeping anyone's address.

Failed attempts, and successful submissions, are counted per scope in the cache (Redis in
production) under a keyed hash of the client address. The key changes every day and lives only
in memory-derived form, the counter expires after its window, and nothing reaches the database
or the logs.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from core.errors import ServiceUnavailableError
from vault.envelope import daily_pseudonym

logger = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60

# Successful submissions per client: ``settings.SUBMISSIONS_PER_CLIENT_PER_DAY`` in a day. The
# bucket's pseudonym also changes at midnight UTC, so a count never outlives its day.
SUBMISSIONS_WINDOW_SECONDS = 24 * 60 * 60


def _client_address(request: HttpRequest) -> str:
    if getattr(settings, "BEHIND_TLS_PROXY", False):
        forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The proxy appends the address it saw: the last entry is the one it vouches for.
            return forwarded.split(",")[-1].strip()
    address: str = request.META.get("REMOTE_ADDR", "")
    return address


def _bucket(request: HttpRequest, scope: str, counted: str = "failures") -> str:
    pseudonym = daily_pseudonym(
        "attempt-throttle", _client_address(request), day=timezone.now().date().isoformat()
    )
    return f"{scope}-{counted}:{pseudonym}"


def attempts_retry_after(request: HttpRequest, *, scope: str) -> int | None:
    """Seconds to wait before another attempt, or ``None`` if attempts are allowed.

    Raises ``ServiceUnavailableError`` when the counters cannot be read: without them guessing
    would be unlimited, so the attempt is refused for a moment instead (never a 500).
    """
    failures, window_ends = _read(_bucket(request, scope), MAX_FAILURES, scope)
    if failures < MAX_FAILURES:
        return None
    remaining = int(window_ends - timezone.now().timestamp())
    return max(remaining, 1) if window_ends else WINDOW_SECONDS


def attempt_failed(request: HttpRequest, *, scope: str) -> None:
    try:
        _count(_bucket(request, scope), window=WINDOW_SECONDS)
    except Exception:
        # The check before this attempt succeeded; a counter lost now only errs by one.
        logger.warning("Attempt counters unavailable; a failed %s attempt was not counted.", scope)


def submissions_retry_after(
    request: HttpRequest, *, scope: str, limit: int | None = None
) -> int | None:
    """Seconds before this client may submit again in ``scope``, or ``None`` if it may now.

    Only what the door counts (``submission_made``) counts: a form sent back for corrections
    costs nothing. ``limit`` is a day's allowance, ``SUBMISSIONS_PER_CLIENT_PER_DAY`` unless
    the scope has its own. Raises ``ServiceUnavailableError`` when the counters cannot be read,
    as ``attempts_retry_after`` does; a door that must never refuse for that (intake) catches it.
    """
    limit = max(1, int(settings.SUBMISSIONS_PER_CLIENT_PER_DAY if limit is None else limit))
    made, window_ends = _read(_bucket(request, scope, "submissions"), limit, scope)
    if made < limit:
        return None
    now = timezone.now()
    # The bucket is the day's: tomorrow's pseudonym starts a new count, whatever is left here.
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    ends = min(window_ends or now.timestamp() + SUBMISSIONS_WINDOW_SECONDS, tomorrow.timestamp())
    return max(int(ends - now.timestamp()), 1)


def submission_made(request: HttpRequest, *, scope: str) -> None:
    """Count one successful submission of this client in ``scope``."""
    try:
        _count(_bucket(request, scope, "submissions"), window=SUBMISSIONS_WINDOW_SECONDS)
    except Exception:
        # What was submitted is kept; a counter lost now only errs by one.
        logger.warning("Submission counters unavailable; a %s submission was not counted.", scope)


def _read(key: str, limit: int, scope: str) -> tuple[int, float]:
    """A counter and, once it reached ``limit``, when its window ends. Without the counters the
    limit is unknown: ``ServiceUnavailableError`` (the caller's door decides what that means)."""
    try:
        counted = cache.get(key, 0)
        window_ends = cache.get(f"{key}:ends", 0) if counted >= limit else 0
    except Exception:
        logger.warning("Counters unavailable; the %s limit is not known for now.", scope)
        raise ServiceUnavailableError from None
    return counted, window_ends


def _count(key: str, *, window: int) -> None:
    if cache.add(key, 1, timeout=window):
        cache.set(f"{key}:ends", timezone.now().timestamp() + window, timeout=window)
        return
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
