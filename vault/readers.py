"""Reading keys: the X25519 key pairs that report data keys are wrapped to (issue 14).

Every staff member whose role reads reports has a key pair. Its private half is stored only
encrypted: under a key Argon2id derives from their password, and under their personal recovery
key, shown once at enrolment for them to keep offline. An entity's recovery key pair has no
stored private half at all: it is printed once, for two officers to keep offline.

Signing in unlocks the private key for that session only (``unlock_seal``): the server keeps it
encrypted under a random secret that only the browser's cookie (or, for the API, the bearer
token) carries. A copy of the database with every server key opens no private key, so no data
key wrapped to one, so no report. The threat model is ``vault.crypto``'s.

Nothing here knows who may read what: that is ``cases.readers``.
"""

from __future__ import annotations

import base64
import binascii
import os
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from vault import crypto
from vault.models import RecipientKey

RECOVERY_KEY_BYTES = 20


class ReadingKeyLockedError(Exception):
    """No reading key is unlocked for this request: the session was not opened with one."""


class WrongPasswordForKeyError(Exception):
    """The password does not open this reading key (an administrator reset the password)."""


class WrongRecoveryKeyError(Exception):
    """The recovery key given does not open this reading key, or is not one at all."""


@dataclass(frozen=True)
class UnlockedKey:
    """A staff member's private reading key, in memory for one request only."""

    recipient_id: uuid.UUID
    private_key: bytes = field(repr=False)


def _aad(purpose: str, recipient_id: object) -> bytes:
    return crypto.associated_data("vault_recipientkey", purpose, recipient_id)


def _password_key(password: str, salt: bytes) -> bytes:
    return crypto.derive_key_from_password(password, salt, **settings.UPSTANDER_READING_KEY_KDF)


# --- Recovery keys as people write them down ------------------------------------------------


def _groups(raw: bytes) -> str:
    text = base64.b32encode(raw).decode().rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _ungroup(text: str, length: int) -> bytes | None:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned += "=" * (-len(cleaned) % 8)
    try:
        raw = base64.b32decode(cleaned)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == length else None


# --- A staff member's key pair --------------------------------------------------------------


@dataclass(frozen=True)
class EnrolledKey:
    key: RecipientKey
    recovery_key: str = field(repr=False)  # shown once, never stored
    unlocked: UnlockedKey


@transaction.atomic
def staff_key_create(*, user_id: int, password: str) -> EnrolledKey:
    """A new key pair for ``user_id`` (replacing any old one, with every wrap made to it)."""
    RecipientKey.objects.filter(user_id=user_id).delete()
    public, private = crypto.key_pair_new()
    recovery = os.urandom(RECOVERY_KEY_BYTES)
    key = RecipientKey(kind=RecipientKey.Kind.STAFF, user_id=user_id, public_key=public)
    _wrap_under_password(key, private, password)
    key.private_key_under_recovery = crypto.encrypt(
        crypto.derive_subkey(recovery, "staff-recovery-key"), private, _aad("recovery", key.id)
    )
    key.save(force_insert=True)
    return EnrolledKey(
        key=key,
        recovery_key=_groups(recovery),
        unlocked=UnlockedKey(recipient_id=key.id, private_key=private),
    )


def _wrap_under_password(key: RecipientKey, private: bytes, password: str) -> None:
    salt = crypto.new_salt()
    key.password_salt = salt
    key.private_key_under_password = crypto.encrypt(
        _password_key(password, salt), private, _aad("password", key.id)
    )


def staff_key_unlock(key: RecipientKey, password: str) -> UnlockedKey:
    """The private key through the password; ``WrongPasswordForKeyError`` if it does not open."""
    wrapped = bytes(key.private_key_under_password)
    if not wrapped:
        raise WrongPasswordForKeyError
    try:
        private = crypto.decrypt(
            _password_key(password, bytes(key.password_salt)), wrapped, _aad("password", key.id)
        )
    except crypto.DecryptionError:
        raise WrongPasswordForKeyError from None
    return UnlockedKey(recipient_id=key.id, private_key=private)


def staff_key_recover(key: RecipientKey, recovery_key: str) -> UnlockedKey:
    """The private key through the personal recovery key; ``WrongRecoveryKeyError`` if not."""
    raw = _ungroup(recovery_key, RECOVERY_KEY_BYTES)
    if raw is None or not bytes(key.private_key_under_recovery):
        raise WrongRecoveryKeyError
    try:
        private = crypto.decrypt(
            crypto.derive_subkey(raw, "staff-recovery-key"),
            bytes(key.private_key_under_recovery),
            _aad("recovery", key.id),
        )
    except crypto.DecryptionError:
        raise WrongRecoveryKeyError from None
    return UnlockedKey(recipient_id=key.id, private_key=private)


def staff_key_set_password(key: RecipientKey, unlocked: UnlockedKey, password: str) -> None:
    """Re-encrypt the private key under a new password (a change, or after recovery)."""
    if unlocked.recipient_id != key.id:
        raise ValueError("this unlocked key belongs to another key pair")
    _wrap_under_password(key, unlocked.private_key, password)
    key.save(update_fields=["password_salt", "private_key_under_password"])


def staff_key_forget_password(key: RecipientKey) -> None:
    """An administrator's reset: the new password must not open the key, so the wrap under the
    old one goes. Only the personal recovery key (or a colleague's re-grant) restores reading."""
    key.password_salt = b""
    key.private_key_under_password = b""
    key.save(update_fields=["password_salt", "private_key_under_password"])


# --- Holding an unlocked key for a session ----------------------------------------------------

SESSION_SECRET_BYTES = 32


def session_secret_new() -> bytes:
    return os.urandom(SESSION_SECRET_BYTES)


def unlock_seal(unlocked: UnlockedKey, secret: bytes, *, binding: str) -> bytes:
    """The private key encrypted under ``secret``, which only the browser or the token holds.

    ``binding`` names what holds it (a user and a session), so a sealed key copied into
    another session does not open there.
    """
    key = crypto.derive_subkey(secret, "staff-session-reading-key")
    plaintext = unlocked.recipient_id.bytes + unlocked.private_key
    return crypto.encrypt(key, plaintext, _aad("session", binding))


def unlock_open(sealed: bytes, secret: bytes, *, binding: str) -> UnlockedKey | None:
    key = crypto.derive_subkey(secret, "staff-session-reading-key")
    try:
        plaintext = crypto.decrypt(key, sealed, _aad("session", binding))
    except crypto.DecryptionError:
        return None
    return UnlockedKey(recipient_id=uuid.UUID(bytes=plaintext[:16]), private_key=plaintext[16:])


_ATTRIBUTE = "_upstander_unlocked_key"


def attach(user: Any, unlocked: UnlockedKey | None) -> None:
    """Let the services of this request use ``user``'s unlocked key (memory only)."""
    setattr(user, _ATTRIBUTE, unlocked)


def unlocked_of(user: Any) -> UnlockedKey | None:
    return getattr(user, _ATTRIBUTE, None)


# --- An entity's recovery key ----------------------------------------------------------------


@dataclass(frozen=True)
class EntityRecoveryKey:
    key: RecipientKey
    # The whole private key, and the same split in two shares (XOR): either the whole, or both
    # shares together, open it. Shown once; never stored.
    private_key: str = field(repr=False)
    shares: tuple[str, str] = field(repr=False)


@transaction.atomic
def entity_recovery_key_create(*, entity_id: int) -> EntityRecoveryKey:
    if RecipientKey.objects.filter(entity_id=entity_id).exists():
        raise ValueError("this entity already has a recovery key")
    public, private = crypto.key_pair_new()
    key = RecipientKey.objects.create(
        kind=RecipientKey.Kind.ENTITY_RECOVERY, entity_id=entity_id, public_key=public
    )
    first = os.urandom(len(private))
    second = bytes(a ^ b for a, b in zip(private, first, strict=True))
    return EntityRecoveryKey(
        key=key, private_key=_groups(private), shares=(_groups(first), _groups(second))
    )


def entity_recovery_key_open(key: RecipientKey, *parts: str) -> UnlockedKey:
    """The entity's private recovery key from the whole key or from its two shares."""
    raws = [_ungroup(part, crypto.X25519_KEY_BYTES) for part in parts]
    if not raws or len(raws) > 2 or any(raw is None for raw in raws):
        raise WrongRecoveryKeyError
    private = raws[0] or b""
    if len(raws) == 2:
        private = bytes(a ^ b for a, b in zip(private, raws[1] or b"", strict=True))
    try:
        matches = crypto.public_key_of(private) == bytes(key.public_key)
    except ValueError:
        matches = False
    if not matches:
        raise WrongRecoveryKeyError
    return UnlockedKey(recipient_id=key.id, private_key=private)
