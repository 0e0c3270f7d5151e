"""Fixtures for the reporter tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vault import envelope


@pytest.fixture(autouse=True)
def _forget_fingerprinted_keks() -> Iterator[None]:
    # ``vault.envelope`` remembers per process which KEKs it fingerprinted; the database is
    # rolled back or flushed after each test, so that memory must not outlive the test.
    envelope._fingerprinted.clear()
    yield
    envelope._fingerprinted.clear()
