"""The start-up check (``vault.checks``): the configured key-encryption keys are the ones that
wrapped the stored data, and ``manage.py check --database`` stops on a mismatch."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.helpers.keys import Keyring
from vault.checks import check_key_encryption_keys
from vault.envelope import (
    kek_fingerprint,
)
from vault.keyring import server_keyring
from vault.models import KeyFingerprint

pytestmark = pytest.mark.django_db


def error_ids(errors: list[Any]) -> list[str]:
    return [error.id for error in errors]


def test_the_kek_fingerprint_is_recorded_when_a_version_first_wraps(
    kek_v1: str, keyring: Keyring
) -> None:
    assert not KeyFingerprint.objects.exists()

    keyring.grant(1)

    (fingerprint,) = KeyFingerprint.objects.all()
    assert fingerprint.kek_version == "v1"
    assert fingerprint.fingerprint == kek_fingerprint(server_keyring().current)
    assert kek_v1 not in fingerprint.fingerprint


def test_the_check_passes_when_the_keyring_matches_the_data(keyring: Keyring) -> None:
    k1 = keyring.new_key()
    keyring.use(f"v1:{k1}")
    keyring.grant(2)

    assert check_key_encryption_keys() == []
    # Adding a new version ahead of the old one (the first step of a rotation) is fine too.
    keyring.use(f"v2:{keyring.new_key()},v1:{k1}")
    assert check_key_encryption_keys() == []


def data_under_v1_then(keyring: Keyring, keks: str) -> None:
    """Data keys wrapped under a v1 key, then the keyring configured as ``keks``."""
    keyring.use(f"v1:{keyring.new_key()}")
    keyring.grant(1)
    keyring.use(keks)


def names_the_setting_and_v1(error: Any) -> bool:
    return "UPSTANDER_KEKS" in error.msg and "'v1'" in error.msg


def test_the_check_reports_a_wrong_key_for_a_used_version(keyring: Keyring) -> None:
    data_under_v1_then(keyring, f"v1:{keyring.new_key()}")

    errors = check_key_encryption_keys()
    assert error_ids(errors) == ["vault.E001"]
    assert isinstance(errors[0], Error)
    assert names_the_setting_and_v1(errors[0]), errors[0].msg


def test_the_check_reports_a_missing_version_still_in_use(keyring: Keyring) -> None:
    data_under_v1_then(keyring, f"v2:{keyring.new_key()}")

    errors = check_key_encryption_keys()
    assert error_ids(errors) == ["vault.E002"]
    assert names_the_setting_and_v1(errors[0]), errors[0].msg


def test_manage_py_check_with_the_database_stops_on_a_missing_version(keyring: Keyring) -> None:
    data_under_v1_then(keyring, f"v2:{keyring.new_key()}")

    with pytest.raises(SystemCheckError, match=r"vault\.E002"):
        call_command("check", "--database", "default", "--tag", "database", stdout=io.StringIO())
