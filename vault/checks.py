"""A system check that the configured KEKs are the ones that wrapped the stored data.

Run by ``manage.py check --database default`` (the start scripts do) so that a wrong or
missing key stops the service at start-up with the variable's name, never at the first read.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError

from vault.envelope import kek_fingerprint
from vault.keyring import server_keyring
from vault.models import KeyFingerprint, KeyWrap


@checks.register(checks.Tags.database)
def check_key_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    keyring = server_keyring()
    errors: list[checks.CheckMessage] = []
    try:
        known = dict(KeyFingerprint.objects.values_list("kek_version", "fingerprint"))
        versions_in_use = set(
            KeyWrap.objects.filter(kind=KeyWrap.Kind.ORGANISATION)
            .values_list("kek_version", flat=True)
            .distinct()
        )
    except DatabaseError:
        return []  # not migrated yet: nothing is wrapped
    for version, fingerprint in known.items():
        kek = keyring.get(version)
        if kek is not None and kek_fingerprint(kek) != fingerprint:
            errors.append(
                checks.Error(
                    f"UPSTANDER_KEKS: the key given for version {version!r} is not the key that "
                    "wrapped the stored data.",
                    id="vault.E001",
                )
            )
    for version in sorted(versions_in_use):
        if keyring.get(version) is None:
            errors.append(
                checks.Error(
                    f"UPSTANDER_KEKS: version {version!r} still wraps stored data keys but is "
                    "missing; add it back, or run rotate_kek before removing it.",
                    id="vault.E002",
                )
            )
    return errors
