"""Slowing down guessing (receipts, staff passwords) and ballot stuffing (reports, "not ready"
answers) without keeping anyone's address.

Attempts and submissions are counted per scope in the cache (Redis in production) under a
pseudonym of the client (``core.client_address``) keyed with the day's throttle secret. That
secret is random, lives only in Redis (created once with SET NX by whichever worker needs it
first, so every worker shares it) and expires at midnight UTC; it is never derived from
``SECRET_KEY`` or any other server key. So the counters' names say nothing about who made them,
and once the day is over nobody, not even whoever holds every server key and an old copy of
Redis, can test an address against them. Nothing reaches the database or the logs.

An attempt is counted before it is judged (``attempt_start``): the counter is incremented
atomically and the attempt proceeds only if the new count is within the limit, so a burst of
parallel guesses gets exactly the limit, never one per worker thread. A successful attempt gives
its unit back (``attempt_succeeded``): only failures use up the budget (issue 10). A submission
whose every try costs (a report's Argon2id derivation) is reserved the same way before it is
made (``submission_reserve``) and gives its unit back if it is refused or not made, so only
what was submitted uses up the allowance, and a parallel burst submits exactly the limit.

Staff sign-in is also counted per account, whatever the address, so that many addresses cannot
share out the guessing of one password. That limit is four times the per-address one: an
attacker who wants to lock a focal point out must come from several addresses and keep at it,
and the lock ends with the window (fixed from the first failure, not extended by later ones),
while one person mistyping from their own desk meets their address's limit long before it.
"""

from __future__ import annotations

import logging
import secrets
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from django.utils import timezone

from core.client_address import client_address
from core.errors import ServiceUnavailableError
from vault.envelope import client_pseudonym

logger = logging.getLogger(__name__)

MAX_FAILURES = 5
# Failed staff sign-ins for one account from all addresses together (see the module's docstring).
MAX_ACCOUNT_FAILURES = 4 * MAX_FAILURES
WINDOW_SECONDS = 15 * 60

# Successful submissions per client: ``settings.SUBMISSIONS_PER_CLIENT_PER_DAY`` in a day. The
# bucket's pseudonym also changes at midnight UTC, so a count never outlives its day.
SUBMISSIONS_WINDOW_SECONDS = 24 * 60 * 60

# The name of the day's secret in the cache (the secret itself is random: see _secret).
DAY_KEY_NAME = "throttle-day-key"

# One round trip, atomic in Redis: the count after this attempt and the seconds its window has
# left. The window starts with the first unit (EXPIRE when the key has none), so later attempts
# never extend it; a key left without expiry by an older writer is given one here.
_COUNT_SCRIPT = """
local counted = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {counted, redis.call('TTL', KEYS[1])}
"""
# Giving a unit back must not recreate a counter that expired meanwhile (it would never expire).
_GIVE_BACK_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Attempt:
    """An attempt already counted as failed in each of ``counters`` until it succeeds.

    ``retry_after`` is set when the attempt is refused: seconds until the full counter's window
    ends. A refused attempt holds no unit to give back.
    """

    counters: tuple[str, ...]
    retry_after: int | None = None


def attempt_start(request: HttpRequest, *, scope: str, account: str | None = None) -> Attempt:
    """Count this attempt against the client (and ``account``, a staff username as typed) and
    say whether it may go ahead.

    Raises ``ServiceUnavailableError`` when the counters cannot be reached: without them guessing
    would be unlimited, so the attempt is refused for a moment instead (never a 500).
    """
    try:
        secret = _secret()
        by_address = _name(secret, scope, "failures", client_address(request))
        counted, seconds_left = _count(by_address, window=WINDOW_SECONDS)
        if counted > MAX_FAILURES:
            return Attempt(counters=(), retry_after=seconds_left)
        if account is None:
            return Attempt(counters=(by_address,))
        by_account = _name(secret, scope, "account-failures", account.strip().casefold())
        counted, seconds_left = _count(by_account, window=WINDOW_SECONDS)
        if counted > MAX_ACCOUNT_FAILURES:
            # The password was never tried: this client's own budget is left as it was.
            _give_back(by_address)
            return Attempt(counters=(), retry_after=seconds_left)
    except Exception:
        logger.warning("Attempt counters unavailable; a %s attempt is refused for now.", scope)
        raise ServiceUnavailableError from None
    return Attempt(counters=(by_address, by_account))


def attempt_succeeded(attempt: Attempt) -> None:
    """Give back the units a successful attempt held: only failures use up the budget."""
    try:
        for counter in attempt.counters:
            _give_back(counter)
    except Exception:
        # The attempt succeeded; a unit kept now only errs by one, towards caution.
        logger.warning("Attempt counters unavailable; a successful attempt stays counted.")


def submissions_retry_after(
    request: HttpRequest,
    *,
    scope: str,
    limit: int | None = None,
    window: int = SUBMISSIONS_WINDOW_SECONDS,
) -> int | None:
    """Seconds before this client may submit again in ``scope``, or ``None`` if it may now.

    ``limit`` submissions per ``window`` seconds (by default ``SUBMISSIONS_PER_CLIENT_PER_DAY``
    a day); a shorter window has a ``scope`` of its own. Only successful submissions count
    (``submission_made``): a form sent back for corrections costs nothing. Raises
    ``ServiceUnavailableError`` when the counters cannot be read, as ``attempt_start`` does; a
    door that must never refuse for that (intake) catches it.
    """
    limit = max(1, int(settings.SUBMISSIONS_PER_CLIENT_PER_DAY if limit is None else limit))
    try:
        name = _name(_secret(), scope, "submissions", client_address(request))
        made, seconds_left = _read(name)
    except Exception:
        logger.warning("Counters unavailable; the %s limit is not known for now.", scope)
        raise ServiceUnavailableError from None
    if made < limit:
        return None
    # The bucket is the day's at most: tomorrow's secret starts a new count, whatever is left.
    return max(1, min(seconds_left or window, _seconds_to_midnight()))


def submission_made(
    request: HttpRequest, *, scope: str, window: int = SUBMISSIONS_WINDOW_SECONDS
) -> None:
    """Count one successful submission of this client in ``scope`` (a ``window``-second one)."""
    try:
        name = _name(_secret(), scope, "submissions", client_address(request))
        _count(name, window=window)
    except Exception:
        # What was submitted is kept; a counter lost now only errs by one.
        logger.warning("Submission counters unavailable; a %s submission was not counted.", scope)


@dataclass(frozen=True)
class Reservation:
    """A submission counted before it is made (``submission_reserve``).

    ``counter`` holds its unit until the submission is made, or is given back
    (``submission_given_back``) when it is not; a refused one holds none and says in
    ``retry_after`` when to come back. ``None`` as ``counter`` and ``retry_after`` alike: nothing
    was counted.
    """

    counter: str | None
    retry_after: int | None = None


def submission_reserve(
    request: HttpRequest,
    *,
    scope: str,
    limit: int | None = None,
    window: int = SUBMISSIONS_WINDOW_SECONDS,
) -> Reservation:
    """Count one submission of this client in ``scope`` before it is made, then judge it.

    Counted first, atomically, so a parallel burst gets exactly ``limit`` (by default
    ``SUBMISSIONS_PER_CLIENT_PER_DAY``) per ``window`` seconds, never one per worker thread. A
    refused submission gives its unit back at once, so refusals neither use up the allowance
    nor, the window being fixed from its first unit, extend it; one that is then not made must
    give its unit back too (``submission_given_back``). Raises ``ServiceUnavailableError`` when
    the counters cannot be reached.
    """
    limit = max(1, int(settings.SUBMISSIONS_PER_CLIENT_PER_DAY if limit is None else limit))
    name, made, retry_after = _submission_count(request, scope=scope, window=window)
    if made <= limit:
        return Reservation(counter=name)
    submission_given_back(Reservation(counter=name))
    return Reservation(counter=None, retry_after=retry_after)


def submission_given_back(reservation: Reservation) -> None:
    """Give back the unit of a submission that was counted but not made."""
    if reservation.counter is None:
        return
    try:
        _give_back(reservation.counter)
    except Exception:
        # Nothing was submitted; a unit kept now only errs by one, towards caution.
        logger.warning("Submission counters unavailable; a unit was not given back.")


def allowance_use(request: HttpRequest, *, scope: str, limit: int) -> int | None:
    """Count one use of this client's daily allowance in ``scope``, then judge it: ``None``
    when it was within ``limit``, else seconds until the allowance starts again.

    Counted before it is judged, atomically, so a parallel burst gets exactly ``limit`` (for
    doors where every try costs, refused ones included: opening uploaded files). Raises
    ``ServiceUnavailableError`` when the counters cannot be reached.
    """
    _counter, used, retry_after = _submission_count(
        request, scope=scope, window=SUBMISSIONS_WINDOW_SECONDS
    )
    if used <= max(1, limit):
        return None
    return retry_after


def _submission_count(request: HttpRequest, *, scope: str, window: int) -> tuple[str, int, int]:
    """Add one to this client's submissions in ``scope``: the counter, its new count, and the
    seconds before a submission over the limit may be tried again."""
    try:
        name = _name(_secret(), scope, "submissions", client_address(request))
        counted, seconds_left = _count(name, window=window)
    except Exception:
        logger.warning("Counters unavailable; the %s limit is not known for now.", scope)
        raise ServiceUnavailableError from None
    # The bucket is the day's at most: tomorrow's secret starts a new count, whatever is left.
    return name, counted, max(1, min(seconds_left, _seconds_to_midnight()))


# --- The day's secret and the counters ----------------------------------------------------------


def _seconds_to_midnight(now: datetime | None = None) -> int:
    now = now or timezone.now()
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - now).total_seconds()))


def _secret() -> bytes:
    """Today's throttle secret: made by the first worker that needs it (SET NX, so every worker
    ends up with the same one) and gone from Redis at midnight UTC."""
    for _ in range(2):
        now = timezone.now()
        name = f"{DAY_KEY_NAME}:{now.date().isoformat()}"
        cache.add(name, secrets.token_hex(32), timeout=_seconds_to_midnight(now))
        held = cache.get(name)
        if isinstance(held, str):
            return bytes.fromhex(held)
        # Expired between the two calls: the day has just turned; take the new day's.
    raise ServiceUnavailableError


def _name(secret: bytes, scope: str, counted: str, client: str) -> str:
    return f"throttle:{scope}-{counted}:{client_pseudonym(secret, f'{scope}:{counted}:{client}')}"


def _redis(name: str) -> tuple[Any, str] | None:
    """The Redis client and full key behind the cache, or ``None`` on another backend (the
    demo's in-process cache). Django's cache API has no atomic "increment or create with a
    timeout", so the counters use the cache's own Redis connection for it."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(backend, RedisCache):
        return None
    key = backend.make_and_validate_key(name)
    return backend._cache.get_client(key, write=True), key


def _count(name: str, *, window: int) -> tuple[int, int]:
    """Add one to a counter, creating it with its window; the new count and seconds left."""
    redis = _redis(name)
    if redis is not None:
        client, key = redis
        counted, seconds_left = client.eval(_COUNT_SCRIPT, 1, key, window)
        return int(counted), max(1, int(seconds_left))
    # The in-process cache (the demo without Redis): one process, incr holds its lock.
    now = time.time()
    cache.add(f"{name}:ends", now + window, timeout=window)
    cache.add(name, 0, timeout=window)
    try:
        counted = cache.incr(name)
    except ValueError:
        cache.set(name, 1, timeout=window)
        counted = 1
    ends = cache.get(f"{name}:ends") or now + window
    return counted, max(1, int(ends - now))


def _read(name: str) -> tuple[int, int]:
    """A counter and the seconds its window has left (0 when it has not started)."""
    redis = _redis(name)
    if redis is not None:
        client, key = redis
        counted, seconds_left = client.pipeline().get(key).ttl(key).execute()
        return int(counted or 0), max(0, int(seconds_left))
    ends = cache.get(f"{name}:ends", 0)
    return int(cache.get(name, 0)), max(0, int(ends - time.time())) if ends else 0


def _give_back(name: str) -> None:
    redis = _redis(name)
    if redis is not None:
        client, key = redis
        client.eval(_GIVE_BACK_SCRIPT, 1, key)
        return
    # Expired meanwhile: nothing to give back.
    with suppress(ValueError):
        cache.decr(name)
