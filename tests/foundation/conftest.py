"""Fixtures for the foundation tests: fresh key-encryption keys and a clean fingerprint cache."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator

import pytest

from vault import envelope


def random_key_b64() -> str:
    """A key as the environment carries it: base64 of 32 random bytes."""
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def new_key() -> Callable[[], str]:
    return random_key_b64


@pytest.fixture(autouse=True)
def _forget_fingerprinted_keks() -> Iterator[None]:
    # ``vault.envelope`` remembers, per process, which KEKs it has fingerprinted; every test
    # rolls its database back, so the memory must not outlive the test either.
    envelope._fingerprinted.clear()
    yield
    envelope._fingerprinted.clear()
