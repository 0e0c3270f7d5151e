"""One-time tickets: a secret split between the browser and the server, readable once.

Used to show the receipt after the intake's post-redirect-get. The server keeps only a
ciphertext under a fresh random key; the browser keeps only that key (in a cookie). Neither
half reads anything alone, and the server deletes its half when it is read, so the receipt is
shown once and is never stored readable anywhere.

Threat model
    - Someone with the server's cache (Redis) sees ciphertexts under keys it never held.
    - Someone with the browser's cookie after the page was shown holds a key to nothing.
    - Someone with both within the ticket's lifetime (minutes) reads that one secret.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass

from vault import crypto

TICKET_ID_BYTES = 16
# A key is exactly 32 bytes in unpadded URL-safe base64: anything else is not a ticket.
_KEY_TEXT = re.compile(r"[A-Za-z0-9_-]{43}")
_ID_TEXT = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class SealedTicket:
    ticket: str  # for the browser: the ticket's id and its key
    ticket_id: str  # for the server: where it keeps ``ciphertext``
    ciphertext: bytes


def _aad(purpose: str, ticket_id: str) -> bytes:
    return crypto.associated_data("one-time-ticket", purpose, ticket_id)


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse(ticket: str) -> tuple[str, bytes] | None:
    ticket_id, _dot, encoded_key = ticket.partition(".")
    if not _ID_TEXT.fullmatch(ticket_id) or not _KEY_TEXT.fullmatch(encoded_key):
        return None
    key = base64.urlsafe_b64decode(encoded_key + "=")
    return (ticket_id, key) if len(key) == crypto.DATA_KEY_BYTES else None


def ticket_derive(secret: str, *, purpose: str) -> str:
    """The same ticket every time from one high-entropy secret (a form's one-time key).

    Lets a resent copy of a form find the receipt its first copy left, without the server
    keeping any link between the two.
    """
    ticket_id = _encode(crypto.derive_subkey(secret.encode(), f"ticket-id:{purpose}")[:16])
    key = _encode(crypto.derive_subkey(secret.encode(), f"ticket-key:{purpose}"))
    return f"{ticket_id}.{key}"


def ticket_seal(plaintext: bytes, *, purpose: str, ticket: str | None = None) -> SealedTicket:
    """Encrypt for a ticket: a fresh random one, or ``ticket`` (from ``ticket_derive``)."""
    if ticket is None:
        ticket = f"{secrets.token_urlsafe(TICKET_ID_BYTES)}.{_encode(crypto.new_data_key())}"
    parsed = _parse(ticket)
    if parsed is None:
        raise ValueError("not a ticket")
    ticket_id, key = parsed
    ciphertext = crypto.encrypt(key, plaintext, _aad(purpose, ticket_id))
    return SealedTicket(ticket=ticket, ticket_id=ticket_id, ciphertext=ciphertext)


def ticket_id_of(ticket: str) -> str | None:
    """The server-side half's name, or ``None`` for anything that is not a ticket."""
    parsed = _parse(ticket)
    return parsed[0] if parsed else None


def ticket_open(ticket: str, ciphertext: bytes, *, purpose: str) -> bytes | None:
    """The plaintext, or ``None`` when the ticket does not open this ciphertext."""
    parsed = _parse(ticket)
    if parsed is None:
        return None
    ticket_id, key = parsed
    try:
        return crypto.decrypt(key, ciphertext, _aad(purpose, ticket_id))
    except crypto.DecryptionError:
        return None
