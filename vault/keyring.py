"""The key-encryption keys (KEKs) held by the server, parsed from configuration.

``UPSTANDER_KEKS`` is a comma-separated list of ``version:base64-key`` pairs, newest first.
The first key wraps every new data key; the others only unwrap, until ``rotate_kek`` has
rewrapped everything they protect and the operator removes them. Each key is 32 random bytes.

This module is imported by the settings, so it must not import Django models.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32
_VERSION = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclass(frozen=True)
class KeyEncryptionKey:
    version: str
    secret: bytes

    def __repr__(self) -> str:  # never print key material, even in a traceback
        return f"KeyEncryptionKey(version={self.version!r})"


@dataclass(frozen=True)
class Keyring:
    keys: tuple[KeyEncryptionKey, ...]

    @property
    def current(self) -> KeyEncryptionKey:
        return self.keys[0]

    def get(self, version: str) -> KeyEncryptionKey | None:
        for key in self.keys:
            if key.version == version:
                return key
        return None

    def __repr__(self) -> str:
        return f"Keyring(versions={[key.version for key in self.keys]!r})"


# Development keys carry this readable prefix, so that production can refuse them by sight.
DEVELOPMENT_MARK = "dev-insecure-"


def decode_key(value: str, variable: str) -> bytes:
    """A 32-byte key from base64, or a startup error that names the variable."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{variable}: the key is not valid base64.") from None
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"{variable}: a key must be {KEY_BYTES} bytes (base64 of 32 random bytes); "
            f"got {len(raw)} bytes."
        )
    return raw


def parse_keyring(value: str, variable: str = "UPSTANDER_KEKS") -> Keyring:
    if not value.strip():
        raise ImproperlyConfigured(f"{variable} is empty; it needs at least one version:key pair.")
    keys: list[KeyEncryptionKey] = []
    for item in value.split(","):
        version, separator, encoded = item.strip().partition(":")
        if not separator or not _VERSION.match(version):
            raise ImproperlyConfigured(
                f"{variable}: each entry must look like 'VERSION:BASE64KEY' where VERSION is "
                "letters, digits, '-' or '_'."
            )
        if any(key.version == version for key in keys):
            raise ImproperlyConfigured(f"{variable}: version {version!r} appears twice.")
        keys.append(KeyEncryptionKey(version=version, secret=decode_key(encoded, variable)))
    return Keyring(keys=tuple(keys))


def decode_blind_index_key(value: str, variable: str = "UPSTANDER_BLIND_INDEX_KEY") -> bytes:
    # Development keys carry a readable prefix; strip it before decoding.
    return decode_key(value.removeprefix(DEVELOPMENT_MARK), variable)


@cache
def _parsed(value: str) -> Keyring:
    return parse_keyring(value)


def server_keyring() -> Keyring:
    """The keyring from the current settings (re-read when a test overrides them)."""
    return _parsed(settings.UPSTANDER_KEKS)
