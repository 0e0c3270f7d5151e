"""Appending to and verifying the audit trail."""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Any, NamedTuple, Protocol

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from audit.days import today_start
from audit.models import AuditAction, AuditEntry, AuditStreamHead
from vault.envelope import (
    audit_chain_digest,
    audit_chain_hasher,
    audit_head_digest,
    audit_stream_tag,
)

GENESIS = "0" * 64
STREAM_CHUNK = 2000
SYSTEM_STREAM = "system"


def entry_canonical(entry: StoredEntry) -> str:
    """The exact text an entry's chain link covers (every field but the hashes)."""
    return canonical_of(
        stream=entry.stream,
        position=entry.position,
        at=entry.at,
        actor_kind=entry.actor_kind,
        actor_id=entry.actor_id,
        actor_username=entry.actor_username,
        action=entry.action,
        detail=entry.detail,
    )


def canonical_of(
    *,
    stream: str,
    position: int,
    at: datetime | str,
    actor_kind: str,
    actor_id: int | None,
    actor_username: str,
    action: str,
    detail: Any,
) -> str:
    """``entry_canonical`` from the columns themselves, for whoever reads or writes entries in
    bulk without model instances (the chain's verification, the benchmark data's loader).

    The text is ``json.dumps`` of the entry's fields with sorted keys and no spaces, written out
    key by key in that sorted order: the same bytes, without sorting a dictionary for each of
    millions of entries (``tests/audit/test_services.py`` holds the two forms equal).
    """
    return "".join(
        (
            '{"action":',
            _dumps(action),
            ',"actor":',
            _dumps(actor_id),
            ',"actor_kind":',
            _dumps(actor_kind),
            ',"actor_username":',
            _dumps(actor_username),
            ',"at":',
            # Read in bulk, the database writes the time out itself (``_TRAIL``).
            _dumps(at if isinstance(at, str) else at.isoformat()),
            ',"detail":',
            _dumps(detail),
            ',"position":',
            _dumps(position),
            ',"stream":',
            _dumps(stream),
            "}",
        )
    )


_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def _digest(previous_hash: str, entry: AuditEntry) -> str:
    return audit_chain_digest(previous_hash, entry_canonical(entry))


def _new_head_fields(stream: str) -> dict[str, Any]:
    """A stream's first head; or, when its head row was deleted behind the application's back,
    one that carries on after the last stored entry, unauthenticated so the stream stays marked
    broken (issue 10), rather than a clash with the stored entries on every later action."""
    last = AuditEntry.objects.filter(stream=stream).order_by("-position").first()
    # The checkpoints' keyed name for the stream, written once with the head.
    tag = audit_stream_tag(stream)
    if last is None:
        return {"last_hash": GENESIS, "length": 0, "tag": tag}
    return {"last_hash": last.entry_hash, "length": last.position, "head_mac": "", "tag": tag}


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


class StoredEntry(Protocol):
    """An entry as stored: the model, or a row read in bulk (``StoredEntryRow``)."""

    @property
    def stream(self) -> str: ...
    @property
    def position(self) -> int: ...
    @property
    def at(self) -> datetime | str: ...
    @property
    def actor_kind(self) -> str: ...
    @property
    def actor_id(self) -> int | None: ...
    @property
    def actor_username(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def detail(self) -> Any: ...
    @property
    def previous_hash(self) -> str: ...
    @property
    def entry_hash(self) -> str: ...


class StoredHead(Protocol):
    @property
    def stream(self) -> str: ...
    @property
    def length(self) -> int: ...
    @property
    def last_hash(self) -> str: ...
    @property
    def head_mac(self) -> str: ...


def head_digest(head: StoredHead) -> str:
    return audit_head_digest(head.stream, head.length, head.last_hash)


def head_is_authentic(head: StoredHead) -> bool:
    """Whether the head was written by someone holding the chain key (issue 10)."""
    return hmac.compare_digest(head.head_mac, head_digest(head))


def chain_is_valid(
    entries: Iterable[StoredEntry],
    *,
    head: StoredHead | None,
    digest: Callable[[str, str], str] = audit_chain_digest,
) -> bool:
    """Recompute the chain of one stream, in order, against the stored hashes and its head.

    The head must be authentic and name the last entry: a tail cut off with the head set back
    to the new last entry (issue 10), or a head deleted, no longer verifies. ``digest`` is the
    chain link (``audit_chain_hasher()`` to verify many streams with one key derivation).
    """
    previous = GENESIS
    length = 0
    for length, entry in enumerate(entries, start=1):
        if (
            entry.position != length
            or entry.previous_hash != previous
            or digest(previous, entry_canonical(entry)) != entry.entry_hash
        ):
            return False
        previous = entry.entry_hash
    if head is None:
        return length == 0
    return head.length == length and head.last_hash == previous and head_is_authentic(head)


@transaction.atomic
def stream_is_valid(stream: uuid.UUID | str) -> bool:
    """Every entry of one stream, from its first, against its chain and its authentic head.

    A case page asks this on every opening (issue 15), so the entries come as bare columns,
    the time already in the text the chain covers, and the key is derived once for the whole
    stream: the check stays complete, only its overheads go.
    """
    # The head is locked before the entries are read, so an entry appended in between cannot
    # make an intact stream look cut.
    head = AuditStreamHead.objects.select_for_update().filter(stream=str(stream)).first()
    # Read in chunks, not loaded whole: a long case's trail should cost it time, not memory.
    # The cursor closes here, inside the transaction, even when a broken link stops the walk.
    with connection.chunked_cursor() as cursor:
        cursor.execute(_STREAM, [str(stream)])
        entries = _entries_of(cursor)
        first = next(entries, None)
        # Every report's stream starts with its submission: an empty one, or one that starts
        # elsewhere, was emptied and begun again.
        if first is None or (
            str(stream) != SYSTEM_STREAM and first.action != AuditAction.REPORT_SUBMITTED
        ):
            return False
        return chain_is_valid(chain([first], entries), head=head, digest=audit_chain_hasher())


# --- The whole trail at once ------------------------------------------------------------------


class StoredEntryRow(NamedTuple):
    """An entry as ``trail_broken_streams`` reads it: the columns only, no model instance."""

    stream: str
    position: int
    at: str  # as datetime.isoformat() writes it, in UTC
    actor_kind: str
    actor_id: int | None
    actor_username: str
    action: str
    detail: Any
    previous_hash: str
    entry_hash: str


class StoredHeadRow(NamedTuple):
    stream: str
    length: int
    last_hash: str
    head_mac: str


_ENTRIES = AuditEntry._meta.db_table
_HEADS = AuditStreamHead._meta.db_table
# Stream by stream, in position order: the (stream, position) key's index gives that order.
# The time as ``datetime.isoformat()`` writes it in UTC (microseconds only when there are
# some): parsing millions of timestamps only to print them again costs a third of the check.
_ISO_AT = (
    "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') "
    "|| CASE WHEN date_part('microseconds', at)::bigint % 1000000 <> 0 "
    "THEN to_char(at AT TIME ZONE 'UTC', '.US') ELSE '' END || '+00:00'"
)
_TRAIL = (
    f"SELECT stream, position, {_ISO_AT}, actor_kind, actor_id, actor_username, action, "  # noqa: S608  # nosec B608  # table names from the models
    f"detail, previous_hash, entry_hash FROM {_ENTRIES} ORDER BY stream, position"
)
# With a parameter, psycopg reads a lone "%" as a placeholder: the modulo is written twice.
_STREAM = (
    f"SELECT stream, position, {_ISO_AT.replace('%', '%%')}, actor_kind, actor_id, actor_username, action, "  # noqa: S608  # nosec B608  # table names from the models
    f"detail, previous_hash, entry_hash FROM {_ENTRIES} WHERE stream = %s ORDER BY position"
)
_HEADS_OF = f"SELECT stream, length, last_hash, head_mac FROM {_HEADS} WHERE stream = ANY(%s)"  # noqa: S608  # nosec B608
_HEADS_WITHOUT_ENTRIES = (
    f"SELECT h.stream FROM {_HEADS} h WHERE NOT EXISTS "  # noqa: S608  # nosec B608
    f"(SELECT 1 FROM {_ENTRIES} e WHERE e.stream = h.stream)"
)


@dataclass
class TrailCheck:
    """What ``trail_verify`` found: how many streams it read, and those that do not verify."""

    streams: int = 0
    broken: list[str] = field(default_factory=list)


def trail_verify(*, batch_size: int = 5000) -> TrailCheck:
    """Every stream's chain and head (``stream_is_valid`` for each), checked by reading the
    whole trail once, stream after stream, in bounded memory.

    Asking stream by stream costs two queries and a transaction per stream: some fifteen
    minutes at a million reports. Here one server-side cursor walks every entry in order and
    the heads come a batch of streams at a time. It all reads one snapshot (repeatable read),
    which is what ``stream_is_valid``'s lock on the head gave: an entry appended meanwhile is
    seen with its head or not at all, so an intact stream never looks cut.
    """
    digest = audit_chain_hasher()
    check = TrailCheck()
    # Called inside a transaction already (a test's), it reads within that one.
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute(_HEADS_WITHOUT_ENTRIES)
        # A head whose stream has no entry left: emptied.
        emptied = [stream for (stream,) in cursor.fetchall()]
        check.broken += emptied
        check.streams += len(emptied)
        pending: list[tuple[str, list[StoredEntryRow]]] = []
        waiting = 0
        for stream, entries in _streams(batch_size):
            pending.append((stream, entries))
            waiting += len(entries)
            if waiting >= batch_size:
                check.broken += _broken_among(cursor, pending, digest)
                check.streams += len(pending)
                pending, waiting = [], 0
        check.broken += _broken_among(cursor, pending, digest)
        check.streams += len(pending)
    check.broken.sort()
    return check


def _streams(batch_size: int) -> Iterator[tuple[str, list[StoredEntryRow]]]:
    """Each stream with its entries in order, from one server-side cursor."""
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(_TRAIL)
        stream: str | None = None
        entries: list[StoredEntryRow] = []
        while rows := cursor.fetchmany(batch_size):
            for row in rows:
                entry = _entry_of(row)
                if entry.stream != stream:
                    if stream is not None:
                        yield stream, entries
                    stream, entries = entry.stream, []
                entries.append(entry)
        if stream is not None:
            yield stream, entries
    finally:
        cursor.close()


def _entries_of(cursor: Any) -> Iterator[StoredEntryRow]:
    """The entries a query of ``_STREAM``'s columns found, ``STREAM_CHUNK`` rows at a time."""
    while rows := cursor.fetchmany(STREAM_CHUNK):
        yield from map(_entry_of, rows)


def _entry_of(row: tuple[Any, ...]) -> StoredEntryRow:
    return StoredEntryRow(
        stream=row[0],
        position=row[1],
        at=row[2],
        actor_kind=row[3],
        actor_id=row[4],
        actor_username=row[5],
        action=row[6],
        detail=_json_value(row[7]),
        previous_hash=row[8],
        entry_hash=row[9],
    )


def _json_value(stored: Any) -> Any:
    # Django's PostgreSQL backend hands jsonb over as text, for the field to parse.
    return json.loads(stored) if isinstance(stored, str) else stored


def _broken_among(
    cursor: Any,
    streams: list[tuple[str, list[StoredEntryRow]]],
    digest: Callable[[str, str], str],
) -> list[str]:
    if not streams:
        return []
    cursor.execute(_HEADS_OF, [[stream for stream, _entries in streams]])
    heads = {row[0]: StoredHeadRow(*row) for row in cursor.fetchall()}
    return [
        stream
        for stream, entries in streams
        # Every report's stream starts with its submission: one that starts elsewhere was
        # emptied and begun again.
        if not (stream == SYSTEM_STREAM or entries[0].action == AuditAction.REPORT_SUBMITTED)
        or not chain_is_valid(entries, head=heads.get(stream), digest=digest)
    ]
