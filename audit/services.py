"""Appending to and verifying the audit trail."""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from itertools import chain
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.days import today_start
from audit.models import AuditAction, AuditEntry, AuditStreamHead
from vault.envelope import audit_chain_digest, audit_head_digest

GENESIS = "0" * 64
STREAM_CHUNK = 2000
SYSTEM_STREAM = "system"


def entry_canonical(entry: AuditEntry) -> str:
    """The exact text an entry's chain link covers (every field but the hashes)."""
    return json.dumps(
        {
            "stream": entry.stream,
            "position": entry.position,
            "at": entry.at.isoformat(),
            "actor_kind": entry.actor_kind,
            "actor": entry.actor_id,
            "actor_username": entry.actor_username,
            "action": entry.action,
            "detail": entry.detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )


def _digest(previous_hash: str, entry: AuditEntry) -> str:
    return audit_chain_digest(previous_hash, entry_canonical(entry))


def _new_head_fields(stream: str) -> dict[str, Any]:
    """A stream's first head; or, when its head row was deleted behind the application's back,
    one that carries on after the last stored entry, unauthenticated so the stream stays marked
    broken (issue 10), rather than a clash with the stored entries on every later action."""
    last = AuditEntry.objects.filter(stream=stream).order_by("-position").first()
    if last is None:
        return {"last_hash": GENESIS, "length": 0}
    return {"last_hash": last.entry_hash, "length": last.position, "head_mac": ""}


def _stamp(actor_kind: str) -> datetime:
    """Staff and system actions keep their time; a reporter's keeps the day only (issue 11)."""
    return today_start() if actor_kind == AuditEntry.ActorKind.REPORTER else timezone.now()


@transaction.atomic
def audit_record(
    *,
    stream: uuid.UUID | str,
    action: AuditAction,
    actor: AbstractBaseUser | None = None,
    actor_kind: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry. Runs inside the caller's transaction, so it commits with the change."""
    stream_key = str(stream)
    head = AuditStreamHead.objects.select_for_update().filter(stream=stream_key).first()
    if head is None:
        head, _ = AuditStreamHead.objects.select_for_update().get_or_create(
            stream=stream_key, defaults=_new_head_fields(stream_key)
        )
    if actor_kind is None:
        actor_kind = (
            AuditEntry.ActorKind.STAFF if actor is not None else AuditEntry.ActorKind.SYSTEM
        )
    entry = AuditEntry(
        stream=stream_key,
        position=head.length + 1,
        at=at or _stamp(actor_kind),
        actor_kind=actor_kind,
        # The staff user model (AUTH_USER_MODEL) is accounts', above this app: typed here as
        # Django's base user, which the foreign key's declared type cannot see it is.
        actor=actor,  # type: ignore[misc]
        actor_username=getattr(actor, "username", "") if actor is not None else "",
        action=action,
        detail=detail or {},
        previous_hash=head.last_hash,
    )
    # Round-trip through JSON so the hash is computed on exactly what the database returns.
    entry.detail = json.loads(json.dumps(entry.detail, default=str))
    entry.entry_hash = _digest(head.last_hash, entry)
    entry.save()
    # A head set back without the key must stay detectable: appending after it would otherwise
    # authenticate the cut (issue 10). The workflow goes on; the stream stays marked broken.
    head_was_authentic = head.length == 0 or head_is_authentic(head)
    head.last_hash = entry.entry_hash
    head.length = entry.position
    head.head_mac = head_digest(head) if head_was_authentic else ""
    head.save(update_fields=["last_hash", "length", "head_mac"])
    return entry


def head_digest(head: AuditStreamHead) -> str:
    return audit_head_digest(head.stream, head.length, head.last_hash)


def head_is_authentic(head: AuditStreamHead) -> bool:
    """Whether the head was written by someone holding the chain key (issue 10)."""
    return hmac.compare_digest(head.head_mac, head_digest(head))


def chain_is_valid(entries: Iterable[AuditEntry], *, head: AuditStreamHead | None) -> bool:
    """Recompute the chain of one stream, in order, against the stored hashes and its head.

    The head must be authentic and name the last entry: a tail cut off with the head set back
    to the new last entry (issue 10), or a head deleted, no longer verifies.
    """
    previous = GENESIS
    length = 0
    for length, entry in enumerate(entries, start=1):
        if (
            entry.position != length
            or entry.previous_hash != previous
            or _digest(previous, entry) != entry.entry_hash
        ):
            return False
        previous = entry.entry_hash
    if head is None:
        return length == 0
    return head.length == length and head.last_hash == previous and head_is_authentic(head)


@transaction.atomic
def stream_is_valid(stream: uuid.UUID | str) -> bool:
    # The head is locked before the entries are read, so an entry appended in between cannot
    # make an intact stream look cut.
    head = AuditStreamHead.objects.select_for_update().filter(stream=str(stream)).first()
    # Read in chunks, not loaded whole: a case page verifies its trail on every opening, and a
    # long case's trail should cost it time, not memory (issue 15).
    entries = (
        AuditEntry.objects.filter(stream=str(stream))
        .order_by("position")
        .iterator(chunk_size=STREAM_CHUNK)
    )
    first = next(entries, None)
    # Every report's stream starts with its submission: an empty one, or one that starts
    # elsewhere, was emptied and begun again.
    if first is None or (
        str(stream) != SYSTEM_STREAM and first.action != AuditAction.REPORT_SUBMITTED
    ):
        return False
    return chain_is_valid(chain([first], entries), head=head)
