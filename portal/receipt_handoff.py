"""Showing the receipt once, after the intake's redirect (post, redirect, then get).

The intake's last post files the report and redirects; the page it redirects to shows the
receipt. Between the two, the receipt travels as a one-time ticket (``vault.tickets``): the
cache holds a ciphertext for a few minutes, the browser holds the key in a cookie scoped to the
receipt page (its address in the language the report was made in). The first view takes both
halves and deletes the server's; a reload, Back, or a copied cookie then finds nothing.

The ticket is derived from the intake form's one-time key, which only that form carries. On a
slow connection a second tap on "Send" can make the browser drop the first answer; the second
copy files nothing, derives the same ticket and still shows the receipt, once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache

from vault import tickets

COOKIE = "upstander_receipt"
LIFETIME = timedelta(minutes=10)
_PURPOSE = "receipt-handoff"
_CACHE_PREFIX = "receipt-handoff:"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceiptToShow:
    receipt: str
    reference: str
    case_opened: bool
    # A report of retaliation (issue 12): acknowledged within working days.
    retaliation: bool = False


def receipt_handoff_ticket(intake_form_key: str) -> str:
    """The ticket of the receipt that the form with this key filed."""
    return tickets.ticket_derive(intake_form_key, purpose=_PURPOSE)


def receipt_handoff_put(shown: ReceiptToShow, *, intake_form_key: str) -> str | None:
    """A ticket for the browser, or ``None`` if the cache is unavailable (then show it now)."""
    sealed = tickets.ticket_seal(
        json.dumps(
            {
                "receipt": shown.receipt,
                "reference": shown.reference,
                "case": shown.case_opened,
                "retaliation": shown.retaliation,
            }
        ).encode(),
        purpose=_PURPOSE,
        ticket=receipt_handoff_ticket(intake_form_key),
    )
    try:
        cache.set(
            _CACHE_PREFIX + sealed.ticket_id,
            sealed.ciphertext,
            timeout=int(LIFETIME.total_seconds()),
        )
    except Exception:  # the receipt must reach the reporter even when the cache is down
        logger.warning("Receipt hand-off cache unavailable; the receipt is shown without redirect.")
        return None
    return sealed.ticket


def receipt_handoff_take(ticket: str) -> ReceiptToShow | None:
    """The receipt behind a ticket, once: ``None`` if unknown, expired or already shown."""
    ticket_id = tickets.ticket_id_of(ticket)
    if ticket_id is None:
        return None
    key = _CACHE_PREFIX + ticket_id
    try:
        ciphertext = cache.get(key)
        plaintext = (
            tickets.ticket_open(ticket, ciphertext, purpose=_PURPOSE) if ciphertext else None
        )
        # Only a ticket that opens it may spend it; whoever deletes the entry is the one who
        # shows it, so two racing views cannot both win.
        if plaintext is None or not cache.delete(key):
            return None
    except Exception:
        logger.warning("Receipt hand-off cache unavailable.")
        return None
    fields = json.loads(plaintext)
    return ReceiptToShow(
        receipt=fields["receipt"],
        reference=fields["reference"],
        case_opened=fields["case"],
        retaliation=fields.get("retaliation", False),
    )
