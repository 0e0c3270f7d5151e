"""Issue 14, items 1 and 2 at the vault's level: a staff member's X25519 key pair, its private
half stored only under their password (Argon2id) and their recovery key, and its sealing for one
session under a secret the server does not keep."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Role, User
from tests.helpers.staff import PASSWORD, current_otp
from vault import crypto, readers
from vault.models import RecipientKey

pytestmark = pytest.mark.django_db


def test_every_staff_member_gets_a_key_pair_whose_private_half_is_stored_only_encrypted(
    make_staff: Any,
) -> None:
    member = make_staff(Role.FOCAL_POINT, username="fp_keys")
    enrolled = member.reading_key_enrolled
    key = RecipientKey.objects.get(user=member)
    private = enrolled.unlocked.private_key

    assert key.kind == RecipientKey.Kind.STAFF
    assert len(bytes(key.public_key)) == crypto.X25519_KEY_BYTES
    assert crypto.public_key_of(private) == bytes(key.public_key)
    for stored in (key.private_key_under_password, key.private_key_under_recovery):
        assert private not in bytes(stored)
    assert len(bytes(key.password_salt)) == crypto.SALT_BYTES
    # The password opens it, and so does the recovery key shown at enrolment; nothing else
    assert readers.staff_key_unlock(key, PASSWORD).private_key == private
    assert readers.staff_key_recover(key, enrolled.recovery_key).private_key == private
    with pytest.raises(readers.WrongPasswordForKeyError):
        readers.staff_key_unlock(key, PASSWORD + "!")
    with pytest.raises(readers.WrongRecoveryKeyError):
        readers.staff_key_recover(key, "AAAA-" + enrolled.recovery_key[5:])


def test_a_sealed_session_key_opens_only_with_its_secret_and_where_it_was_sealed(
    make_staff: Any,
) -> None:
    unlocked = make_staff(Role.FOCAL_POINT, username="fp_session").reading_key_enrolled.unlocked
    secret = readers.session_secret_new()
    sealed = readers.unlock_seal(unlocked, secret, binding="staff-session:1")

    assert unlocked.private_key not in sealed
    assert readers.unlock_open(sealed, secret, binding="staff-session:1") == unlocked
    assert (
        readers.unlock_open(sealed, readers.session_secret_new(), binding="staff-session:1") is None
    )
    assert readers.unlock_open(sealed, secret, binding="staff-session:2") is None


def test_a_member_from_before_reading_keys_gets_one_at_sign_in_with_its_recovery_key_once(
    make_staff: Any,
) -> None:
    member: User = make_staff(Role.FOCAL_POINT, username="fp_before")
    RecipientKey.objects.filter(user=member).delete()  # as a database from before issue 14

    answer = APIClient().post(
        "/api/v1/auth/token",
        {"username": member.username, "password": PASSWORD, "otp": current_otp(member)},
        format="json",
    )

    assert answer.status_code == 200, answer.content
    recovery_key = answer.json()["recovery_key"]
    key = RecipientKey.objects.get(user=member)
    assert readers.staff_key_recover(key, recovery_key).recipient_id == key.id
    assert readers.staff_key_unlock(key, PASSWORD).recipient_id == key.id
