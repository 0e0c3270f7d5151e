"""Slowing down guessing (receipts, staff passwords) without keeping anyone's address.

Failed attempts are counted per scope in the cache (Redis in production) under a keyed hash of
the client address. The key changes every day and lives only in memory-derived form, the
counter expires after the window, and nothing reaches the database or the logs.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from core.errors import ServiceUnavailableError
from vault.envelope import daily_pseudonym

logger = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


def _client_address(request: HttpRequest) -> str:
    if getattr(settings, "BEHIND_TLS_PROXY", False):
        forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The proxy appends the address it saw: the last entry is the one it vouches for.
            return forwarded.split(",")[-1].strip()
    address: str = request.META.get("REMOTE_ADDR", "")
    return address


def _bucket(request: HttpRequest, scope: str) -> str:
    pseudonym = daily_pseudonym(
        "attempt-throttle", _client_address(request), day=timezone.now().date().isoformat()
    )
    return f"{scope}-failures:{pseudonym}"


def attempts_retry_after(request: HttpRequest, *, scope: str) -> int | None:
    """Seconds to wait before another attempt, or ``None`` if attempts are allowed.

    Raises ``ServiceUnavailableError`` when the counters cannot be read: without them guessing
    would be unlimited, so the attempt is refused for a moment instead (never a 500).
    """
    key = _bucket(request, scope)
    try:
        failures = cache.get(key, 0)
        window_ends = cache.get(f"{key}:ends", 0) if failures >= MAX_FAILURES else 0
    except Exception:
        logger.warning("Attempt counters unavailable; %s attempts refused for now.", scope)
        raise ServiceUnavailableError from None
    if failures < MAX_FAILURES:
        return None
    remaining = int(window_ends - timezone.now().timestamp())
    return max(remaining, 1) if window_ends else WINDOW_SECONDS


def attempt_failed(request: HttpRequest, *, scope: str) -> None:
    try:
        _count_failure(_bucket(request, scope))
    except Exception:
        # The check before this attempt succeeded; a counter lost now only errs by one.
        logger.warning("Attempt counters unavailable; a failed %s attempt was not counted.", scope)


def _count_failure(key: str) -> None:
    if cache.add(key, 1, timeout=WINDOW_SECONDS):
        cache.set(
            f"{key}:ends", timezone.now().timestamp() + WINDOW_SECONDS, timeout=WINDOW_SECONDS
        )
        return
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=WINDOW_SECONDS)
