"""Upstander's encryption core: the only module that touches cipher primitives (AES-256-GCM,
X25519, HKDF-SHA256, HMAC-SHA256, Argon2id).

Scheme (envelope encryption, keys held by the people who read; issue 14)
    Every report gets its own random 256-bit *data key*. Everything sensitive that belongs to
    the report (narrative, identity, alleged perpetrator, messages, notes, attachments) is
    encrypted with AES-256-GCM under that data key. The data key itself is stored only
    *wrapped* (encrypted) in ``vault.KeyWrap`` rows:

    - a *receipt* wrapping, under a key derived from the reporter's receipt with Argon2id and a
      per-report salt; it exists for every report;
    - while the reporter shares the report (``case_review``), one *recipient* wrapping for each
      staff member who may read it by the visibility rules (``cases.readers``), and one for
      the recovery key of the entity: the data key sealed to their X25519 public key (an
      ephemeral key agreement, HKDF-SHA256, AES-256-GCM). Anyone may wrap to a public key;
      only the private key opens.

    A staff member's private key is stored only encrypted: under a key Argon2id derives from
    their password, and under their personal recovery key (shown once at enrolment). Signing in
    unlocks it for that session only: the server keeps it encrypted under a random secret that
    only the browser's cookie, or the API's bearer token, carries (``vault.readers``). An
    entity's recovery private key is never stored: two officers keep it offline.

    Before issue 14 the shared wrapping was under the server's key-encryption key (KEK, from
    ``UPSTANDER_KEKS``); ``manage.py move_to_recipient_keys`` moves such databases over.

    Associated data binds each ciphertext to its table, column and row (and each wrapping to
    its data key and recipient), so a ciphertext copied into another row, column or table fails
    authentication instead of decrypting as someone else's record.

Threat model
    - Someone with a database dump (backup theft, SQL injection read) and every server secret
      (``SECRET_KEY``, ``UPSTANDER_KEKS``, the blind index key, the settings): sees
      ciphertexts, salts, public keys, keyed hashes and categorical columns (entity, category,
      route, dates by day). They read no report, sealed or shared: a receipt wrapping needs the
      receipt (~99 bits, then Argon2id per guess), a recipient wrapping needs a private key, and
      a private key needs its owner's password (Argon2id per guess), their recovery key, the
      cookie or token of a live session, or the entity's offline recovery key
      (``tests/vault/test_proof_against_a_stolen_database.py``).
    - The weakest of those is a staff password: an attacker with the dump can try passwords
      offline against the Argon2id wrapping, at Argon2id's cost per guess. Long passwords
      (12 characters at least, Django's validators) are the defence; the recovery keys are
      random (160 bits for a person, 256 for an entity).
    - Someone who controls the running server (an operator, a full compromise) sees whatever
      passes through it while they control it: the private keys of staff who sign in, the
      receipts of reporters who sign in. Recipient keys cannot stop that; they stop a copy of
      the data, and a past or future compromise, from reading what nobody opened meanwhile.
    - Someone with staff credentials reads only through the application, which applies role
      visibility and writes an audit entry for every decrypted read. A staff member holds
      wrappings only of what the rules let them read; the wrappings follow the rules
      (``cases.readers``, checked by ``tests/cases/test_readers_hold_the_keys.py``).
    - Tampering (a flipped byte, a swapped row) is detected by GCM authentication and raised as
      ``DecryptionError``; it never returns altered plaintext.
    - Withdrawing ``case_review`` before a formal process re-seals the report under a *new* data
      key, re-encrypting every ciphertext inside the reporter's session, so a backup holding a
      reader's wrapping of the old key reads nothing afterwards.
    - Shredding deletes every wrapping of a data key; its ciphertexts become unreadable for
      everyone, backups older than the shred excepted.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

DATA_KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
# One leading byte names the format, so that a future scheme can be told apart and migrated.
FORMAT_AES256GCM = b"\x01"
# Written for a report by someone who cannot read it (a message from an advocate the reporter
# has not shared it with): sealed to the report's drop key, whose private half is derived from
# the data key, so only the report's readers open it.
FORMAT_DROP = b"\x02"


class DecryptionError(Exception):
    """A ciphertext failed authentication: wrong key, tampered bytes, or moved to another row."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def associated_data(table: str, column: str, row_id: object) -> bytes:
    return f"upstander:v1:{table}:{column}:{row_id}".encode()


def encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT_AES256GCM + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != FORMAT_AES256GCM:
        raise DecryptionError("ciphertext is malformed or of an unknown format")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag:
        raise DecryptionError("ciphertext failed authentication") from None


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


class DerivationsBusyError(Exception):
    """Every Argon2id slot of this process stayed taken for ``UPSTANDER_KDF_WAIT_SECONDS``."""


class _DerivationSlots:
    """At most ``UPSTANDER_KDF_CONCURRENCY`` Argon2id derivations at once in this process.

    Each derivation holds its ``memory_cost`` (64 MiB in production) while it runs, so without
    a bound a worker's memory would grow with every request that derives at the same time (a
    flood of submissions, a burst of sign-ins). A request that cannot get a slot in time is
    refused (``DerivationsBusyError``) instead of queueing without end.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._size = 0
        self._slots = threading.BoundedSemaphore(1)

    def _current(self) -> threading.BoundedSemaphore:
        size = max(1, int(settings.UPSTANDER_KDF_CONCURRENCY))
        with self._lock:
            # Sized from the setting when first used (and again if a test changes it).
            if size != self._size:
                self._size, self._slots = size, threading.BoundedSemaphore(size)
            return self._slots

    @contextmanager
    def held(self) -> Iterator[None]:
        slots = self._current()
        if not slots.acquire(timeout=max(0.0, float(settings.UPSTANDER_KDF_WAIT_SECONDS))):
            raise DerivationsBusyError
        try:
            yield
        finally:
            slots.release()


DERIVATION_SLOTS = _DerivationSlots()


def derive_key_from_receipt(
    receipt: str, salt: bytes, *, time_cost: int, memory_cost: int, parallelism: int
) -> bytes:
    """Argon2id: each guess at a receipt costs an attacker the same memory and time as us.

    Also what a staff member's password derives (``derive_key_from_password``), which wraps
    their private reading key: a secret a person holds, stretched the same way. Every
    derivation waits for one of the process's slots (``DERIVATION_SLOTS``); raises
    ``DerivationsBusyError`` when none frees up in time."""
    with DERIVATION_SLOTS.held():
        return argon2id(
            receipt, salt, time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )


def argon2id(
    receipt: str, salt: bytes, *, time_cost: int, memory_cost: int, parallelism: int
) -> bytes:
    """The derivation itself, outside the process's slots: for ``derive_key_from_receipt`` and
    for a benchmark that times one derivation alone (``bench.intake_floor``)."""
    return hash_secret_raw(
        secret=receipt.encode(),
        salt=salt,
        time_cost=time_cost,
        memory_cost=memory_cost,
        parallelism=parallelism,
        hash_len=DATA_KEY_BYTES,
        type=Type.ID,
    )


derive_key_from_password = derive_key_from_receipt


# --- Public-key wrapping (X25519) ------------------------------------------------------------

X25519_KEY_BYTES = 32
_RAW = serialization.Encoding.Raw


def key_pair_new() -> tuple[bytes, bytes]:
    """A new X25519 key pair as raw bytes: (public, private)."""
    private = X25519PrivateKey.generate()
    return _public_bytes(private), private.private_bytes(
        _RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _public_bytes(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def public_key_of(private_key: bytes) -> bytes:
    return _public_bytes(X25519PrivateKey.from_private_bytes(private_key))


def _sealing_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    # Both public keys go into the derivation, so a wrap is bound to the pair that made it.
    return HKDF(
        algorithm=hashes.SHA256(),
        length=DATA_KEY_BYTES,
        salt=None,
        info=b"upstander-recipient-wrap-v1:" + ephemeral_public + recipient_public,
    ).derive(shared)


def seal_to_public_key(recipient_public: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt so that only the holder of the matching private key can read (ECIES: an
    ephemeral X25519 key agreement, HKDF-SHA256, AES-256-GCM). Anyone may wrap for a
    recipient; nothing on the server can unwrap."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _public_bytes(ephemeral)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    key = _sealing_key(shared, ephemeral_public, recipient_public)
    return ephemeral_public + encrypt(key, plaintext, aad)


def open_with_private_key(private_key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) <= X25519_KEY_BYTES:
        raise DecryptionError("wrapped key is malformed")
    ephemeral_public, body = blob[:X25519_KEY_BYTES], blob[X25519_KEY_BYTES:]
    private = X25519PrivateKey.from_private_bytes(private_key)
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError:
        raise DecryptionError("wrapped key is malformed") from None
    key = _sealing_key(shared, ephemeral_public, _public_bytes(private))
    return decrypt(key, body, aad)


def drop_private_key(data_key: bytes) -> bytes:
    """The private half of a report's drop key: whoever holds the data key derives it."""
    return derive_subkey(data_key, "report-drop-key")


def drop_public_key(data_key: bytes) -> bytes:
    return public_key_of(drop_private_key(data_key))


def seal_to_drop_key(drop_public: bytes, plaintext: bytes, aad: bytes) -> bytes:
    return FORMAT_DROP + seal_to_public_key(drop_public, plaintext, aad)


def open_field(data_key: bytes, blob: bytes, aad: bytes) -> bytes:
    """A field's plaintext, in either format: under the data key, or sealed to its drop key."""
    if blob[:1] == FORMAT_DROP:
        return open_with_private_key(drop_private_key(data_key), blob[1:], aad)
    return decrypt(data_key, blob, aad)


def derive_subkey(key: bytes, purpose: str) -> bytes:
    """A 256-bit key for one purpose from a high-entropy secret (HMAC-SHA256 as a PRF)."""
    return hmac.new(key, b"upstander-subkey:" + purpose.encode(), hashlib.sha256).digest()


def mac(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256: the one message authentication code (chains, fingerprints, pseudonyms)."""
    # The one-shot form runs in OpenSSL without an HMAC object: a third of the cost of a link
    # when the whole audit trail is checked.
    return hmac.digest(key, message, "sha256")


def mac_keyed(key: bytes) -> Callable[[bytes], bytes]:
    """``mac`` with its key set up once, for millions of messages under one key (the audit
    trail's check): each message then costs a copy of the keyed state, not the key's set-up."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)

    def keyed_mac(message: bytes) -> bytes:
        state = keyed.copy()
        state.update(message)
        return state.digest()

    return keyed_mac


Mac = hmac.HMAC


def mac_incremental(key: bytes) -> Mac:
    """``mac`` over a message given a piece at a time (``update``): the same digest."""
    return hmac.new(key, digestmod=hashlib.sha256)


def keyed_hash(key: bytes, purpose: str, value: str) -> str:
    """A blind index: HMAC-SHA256 under a per-purpose subkey, as hex.

    Exact-match lookups (a receipt, a session token) without storing or decrypting the value.
    The per-purpose subkey keeps an index built for one purpose useless for another.
    """
    subkey = derive_subkey(key, "blind-index:" + purpose)
    return hmac.new(subkey, value.encode(), hashlib.sha256).hexdigest()
