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
import binascii
import secrets
from dataclasses import dataclass

from vault import crypto

TICKET_ID_BYTES = 16


@dataclass(frozen=True)
class SealedTicket:
    ticket: str  # for the browser: the ticket's id and its key
    ticket_id: str  # for the server: where it keeps ``ciphertext``
    ciphertext: bytes


def _aad(purpose: str, ticket_id: str) -> bytes:
    return crypto.associated_data("one-time-ticket", purpose, ticket_id)


def ticket_seal(plaintext: bytes, *, purpose: str) -> SealedTicket:
    key = crypto.new_data_key()
    ticket_id = secrets.token_urlsafe(TICKET_ID_BYTES)
    ciphertext = crypto.encrypt(key, plaintext, _aad(purpose, ticket_id))
    encoded_key = base64.urlsafe_b64encode(key).decode().rstrip("=")
    return SealedTicket(
        ticket=f"{ticket_id}.{encoded_key}", ticket_id=ticket_id, ciphertext=ciphertext
    )


def ticket_id_of(ticket: str) -> str | None:
    """The server-side half's name, or ``None`` for anything that is not a ticket."""
    ticket_id, _dot, encoded_key = ticket.partition(".")
    if not ticket_id or not encoded_key or len(ticket) > 200:
        return None
    return ticket_id


def ticket_open(ticket: str, ciphertext: bytes, *, purpose: str) -> bytes | None:
    """The plaintext, or ``None`` when the ticket does not open this ciphertext."""
    ticket_id, _dot, encoded_key = ticket.partition(".")
    try:
        key = base64.urlsafe_b64decode(encoded_key + "=" * (-len(encoded_key) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(key) != crypto.DATA_KEY_BYTES:
        return None
    try:
        return crypto.decrypt(key, ciphertext, _aad(purpose, ticket_id))
    except crypto.DecryptionError:
        return None
