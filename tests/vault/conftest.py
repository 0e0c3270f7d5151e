"""Fixtures for the vault tests: the server keyring, with one key or as each test sets it, and
data keys granted to the organisation under it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytest_django import Settings

from tests.helpers.keys import Keyring


@pytest.fixture
def kek_v1(settings: Settings, new_key: Callable[[], str]) -> str:
    """The server keyring holds a single key, version v1; returns that key."""
    key = new_key()
    settings.UPSTANDER_KEKS = f"v1:{key}"
    return key


@pytest.fixture
def keyring(db: Any, settings: Settings, new_key: Callable[[], str]) -> Keyring:
    """The server keyring as the test sets it (``keyring.use``), with fresh keys
    (``keyring.new_key``) and data keys granted under it (``keyring.grant``)."""
    return Keyring(settings, new_key)
