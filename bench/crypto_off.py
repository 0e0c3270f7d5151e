"""Cheap stand-ins for Upstander's hashing and encryption, for ``bench.intake_floor`` only.

They let the intake benchmark measure what the service costs *besides* its cryptography: the
same server code, with Argon2id, AES-256-GCM and X25519 in ``vault.crypto`` replaced by
functions that cost next to nothing and protect nothing. A server running them stores report
content in the clear. So this module refuses to load (``CryptoOffRefusedError``, at import)
unless all of these hold, each a deliberate step nobody takes by accident in production:

- the environment variable ``UPSTANDER_BENCH_CRYPTO_OFF`` is ``1``;
- the Django settings in effect are the benchmark's, ``bench.settings_crypto_off``, which
  themselves refuse to load without that variable and off a benchmark database;
- the database is a benchmark's (its name contains ``bench``).

Nothing in the service imports ``bench`` (``tests/test_layers.py``: benchmarks are the top
layer), so only ``bench/gunicorn_intake.py`` loads this, when the benchmark asks for it.

The stand-ins keep every size and format the real functions produce (a 32-byte derived key, a
ciphertext one tag longer than its plaintext), so the database stores and indexes the same
number of bytes in both runs; only the CPU work of the cryptography is gone. Their ciphertexts
start with a format byte of their own (``FORMAT_BENCH_PLAIN``), which the real ``decrypt``
refuses, so a row they wrote can never pass for a genuine ciphertext.
"""

from __future__ import annotations

import hashlib
import os

from django.conf import settings

FLAG = "UPSTANDER_BENCH_CRYPTO_OFF"
SETTINGS_MODULE = "bench.settings_crypto_off"
FORMAT_BENCH_PLAIN = b"\xb0"
_TAG = bytes(16)


class CryptoOffRefusedError(RuntimeError):
    """The stand-ins were asked for outside the benchmark: they would store reports in clear."""


def refuse_outside_the_benchmark() -> None:
    """Raise ``CryptoOffRefusedError`` unless the flag, the settings and the database are the
    benchmark's."""
    if os.environ.get(FLAG) != "1":
        raise CryptoOffRefusedError(
            f"bench.crypto_off switches encryption off; it loads only with {FLAG}=1."
        )
    if settings.SETTINGS_MODULE != SETTINGS_MODULE or not getattr(
        settings, "BENCH_CRYPTO_OFF", False
    ):
        raise CryptoOffRefusedError(
            f"bench.crypto_off loads only under the benchmark's settings ({SETTINGS_MODULE}), "
            f"not {settings.SETTINGS_MODULE}."
        )
    database = str(settings.DATABASES["default"].get("NAME", ""))
    if "bench" not in database:
        raise CryptoOffRefusedError(
            "bench.crypto_off loads only on a benchmark database (its name contains 'bench')."
        )


refuse_outside_the_benchmark()

# Only now, with the refusal passed: the real module, whose functions are replaced below.
from vault import crypto  # noqa: E402


def derive_key_stand_in(
    receipt: str, salt: bytes, *, time_cost: int, memory_cost: int, parallelism: int
) -> bytes:
    """One SHA-256 instead of Argon2id: deterministic, so a receipt still opens its report."""
    del time_cost, memory_cost, parallelism
    return hashlib.sha256(salt + receipt.encode()).digest()


def encrypt_stand_in(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """The plaintext framed like an AES-GCM ciphertext (format, nonce, body, tag): same size."""
    del key, aad
    return FORMAT_BENCH_PLAIN + os.urandom(crypto.NONCE_BYTES) + plaintext + _TAG


def decrypt_stand_in(key: bytes, blob: bytes, aad: bytes) -> bytes:
    del key, aad
    if blob[:1] != FORMAT_BENCH_PLAIN:
        raise crypto.DecryptionError("not written by the benchmark's stand-in")
    return blob[1 + crypto.NONCE_BYTES : -len(_TAG)]


def public_key_of_stand_in(private_key: bytes) -> bytes:
    return hashlib.sha256(b"bench-public:" + private_key).digest()


def key_pair_new_stand_in() -> tuple[bytes, bytes]:
    private = os.urandom(crypto.X25519_KEY_BYTES)
    return public_key_of_stand_in(private), private


def seal_to_public_key_stand_in(recipient_public: bytes, plaintext: bytes, aad: bytes) -> bytes:
    # The real seal's layout: a 32-byte ephemeral public key, then the ciphertext.
    return os.urandom(crypto.X25519_KEY_BYTES) + encrypt_stand_in(recipient_public, plaintext, aad)


def open_with_private_key_stand_in(private_key: bytes, blob: bytes, aad: bytes) -> bytes:
    return decrypt_stand_in(private_key, blob[crypto.X25519_KEY_BYTES :], aad)


STAND_INS = {
    "derive_key_from_receipt": derive_key_stand_in,
    "derive_key_from_password": derive_key_stand_in,
    "encrypt": encrypt_stand_in,
    "decrypt": decrypt_stand_in,
    "public_key_of": public_key_of_stand_in,
    "key_pair_new": key_pair_new_stand_in,
    "seal_to_public_key": seal_to_public_key_stand_in,
    "open_with_private_key": open_with_private_key_stand_in,
}


def install() -> None:
    """Replace the cipher work of ``vault.crypto`` in this process (and the workers it forks).

    Every caller reaches these functions through the module (``crypto.encrypt``), and the
    module's own helpers (``seal_to_drop_key``, ``open_field``, ``drop_public_key``) look them up
    there too, so replacing the module's attributes replaces every use."""
    refuse_outside_the_benchmark()
    for name, stand_in in STAND_INS.items():
        setattr(crypto, name, stand_in)
