"""Fixtures for the foundation tests: fresh key-encryption keys and a clean fingerprint cache."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable

import pytest


def random_key_b64() -> str:
    """A key as the environment carries it: base64 of 32 random bytes."""
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def new_key() -> Callable[[], str]:
    return random_key_b64
