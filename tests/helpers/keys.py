"""The server's key-encryption keys, as a test sets them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pytest_django import Settings

from vault.envelope import data_key_create, organisation_wrap_add


@dataclass
class Keyring:
    """The server's key-encryption keys for one test, as ``UPSTANDER_KEKS`` configures them."""

    settings: Settings
    new_key: Callable[[], str]

    def use(self, keks: str) -> None:
        """Configure ``UPSTANDER_KEKS``: ``version:base64key`` pairs, newest first."""
        self.settings.UPSTANDER_KEKS = keks

    def grant(self, count: int) -> dict[Any, bytes]:
        """``count`` data keys granted to the organisation (as consent to case review grants
        them) under the keys in use; returns data key id -> key material."""
        materials = {}
        for _ in range(count):
            data_key, key_material = data_key_create(receipt="2222-3333-4444-5555-6666")
            organisation_wrap_add(data_key=data_key, key_material=key_material)
            materials[data_key.pk] = key_material
        return materials


def staff_data_key(user: Any, report: Any) -> bytes:
    """The report's data key as ``user`` opens it: through their own wrap, with the key their
    sign-in unlocked (``make_staff`` users are signed in; a user re-read from the database is
    not). Raises as the service would when they hold none."""
    from vault import envelope, readers  # noqa: PLC0415

    unlocked = readers.unlocked_of(user)
    assert unlocked is not None, f"{user} has no unlocked reading key"
    return envelope.open_as_recipient(report.data_key, unlocked)
