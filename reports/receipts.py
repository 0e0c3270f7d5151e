"""Receipts: the reporter's only key to their report.

20 characters from a 31-symbol alphabet without look-alikes (no 0/O, 1/I/L) give about 99
bits of entropy, written as five groups of four so that it can be copied by hand. It is never
stored: the server keeps a keyed hash to find the report, and Argon2id derives from it the key
that unseals the report.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUPS = 5
GROUP_SIZE = 4
LENGTH = GROUPS * GROUP_SIZE

_SEPARATORS = str.maketrans("", "", " -_.\t\n")


def receipt_new() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return format_receipt(symbols)


def format_receipt(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP_SIZE] for i in range(0, len(symbols), GROUP_SIZE))


def normalise_receipt(typed: str) -> str | None:
    """The canonical form of what someone typed, or ``None`` if it cannot be a receipt."""
    symbols = typed.upper().translate(_SEPARATORS)
    if len(symbols) != LENGTH:
        return None
    if any(symbol not in ALPHABET for symbol in symbols):
        return None
    return format_receipt(symbols)


REFERENCE_SIZE = 8


def reference_new() -> str:
    """A short public reference for a report (not a secret: it opens nothing)."""
    return "R-" + "".join(secrets.choice(ALPHABET) for _ in range(REFERENCE_SIZE))
