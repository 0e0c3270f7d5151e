"""Argon2id derivations, of receipts and of passwords alike, run at most
``UPSTANDER_KDF_CONCURRENCY`` at once in a process, so that a flood cannot grow a worker's memory
with the requests it holds; a derivation that cannot get a slot in time is refused (issue 15).

The count is taken inside the derivation itself (``hash_secret_raw`` wrapped by a counter),
with real threads; no timing is asserted.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from argon2.low_level import hash_secret_raw
from django.conf import settings as django_settings
from pytest_django import Settings

from vault import crypto
from vault.envelope import receipt_key

THREADS = 6


class InFlight:
    """Counts the derivations running at once; each waits for all the others to start, so that
    nothing but the bound keeps them apart (without one, every thread would be inside at once)."""

    def __init__(self, real: Callable[..., bytes]) -> None:
        self.real = real
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.done = 0
        # Broken after the first wait times out: later derivations then go straight on.
        self.everyone_inside = threading.Barrier(THREADS)

    def __call__(self, **arguments: Any) -> bytes:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        with contextlib.suppress(threading.BrokenBarrierError):
            self.everyone_inside.wait(timeout=1)
        try:
            return self.real(**arguments)
        finally:
            with self.lock:
                self.now -= 1
                self.done += 1


@pytest.fixture
def in_flight(monkeypatch: pytest.MonkeyPatch) -> InFlight:
    counter = InFlight(hash_secret_raw)
    monkeypatch.setattr(crypto, "hash_secret_raw", counter)
    return counter


def _derive_in_threads(work: list[Callable[[], bytes]]) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(derive: Callable[[], bytes]) -> None:
        try:
            derive()
        except BaseException as error:  # reported by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(derive,)) for derive in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.parametrize("slots", [1, 2])
def test_receipt_and_password_derivations_share_the_bound(
    settings: Settings, in_flight: InFlight, slots: int
) -> None:
    settings.UPSTANDER_KDF_CONCURRENCY = slots
    settings.UPSTANDER_KDF_WAIT_SECONDS = 60
    salt = crypto.new_salt()
    work: list[Callable[[], bytes]] = [
        lambda: receipt_key("ABCD-EFGH-IJKL-MNOP", salt),
        lambda: crypto.derive_key_from_password(
            "a long staff password", salt, **django_settings.UPSTANDER_READING_KEY_KDF
        ),
    ] * (THREADS // 2)

    errors = _derive_in_threads(work)

    assert errors == []
    assert in_flight.done == THREADS
    assert in_flight.peak == slots


def test_a_derivation_that_finds_no_slot_in_time_is_refused(
    settings: Settings, in_flight: InFlight
) -> None:
    settings.UPSTANDER_KDF_CONCURRENCY = 1
    settings.UPSTANDER_KDF_WAIT_SECONDS = 0
    salt = crypto.new_salt()

    with crypto.DERIVATION_SLOTS.held(), pytest.raises(crypto.DerivationsBusyError):
        receipt_key("ABCD-EFGH-IJKL-MNOP", salt)

    assert in_flight.done == 0
    # The slot is free again: the next derivation runs.
    assert len(receipt_key("ABCD-EFGH-IJKL-MNOP", salt)) == crypto.DATA_KEY_BYTES
