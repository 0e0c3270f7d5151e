"""Appending to and verifying the audit trail."""

from __future__ import annotations

import hmac
import json
import multiprocessing
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import chain, pairwise
from typing import Any, NamedTuple, Protocol

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, connections, transaction
from django.utils import timezone

from audit.days import today_start
from audit.models import AuditAction, AuditEntry, AuditStreamHead
from vault.envelope import (
    audit_chain_digest,
    audit_chain_hasher,
    audit_head_digest,
    audit_head_hasher,
    audit_stream_tag,
)

GENESIS = "0" * 64
STREAM_CHUNK = 2000
# Distinct entry details whose canonical text one walk of the trail remembers.
DETAIL_TEXTS_KEPT = 4096
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
    return _canonical_text(
        stream,
        position,
        # Read in bulk, the database writes the time out itself (``_entries_query``).
        at if isinstance(at, str) else at.isoformat(),
        actor_kind,
        actor_id,
        actor_username,
        action,
        _dumps(detail),
    )


def _canonical_text(
    stream: str,
    position: int,
    at: str,
    actor_kind: str,
    actor_id: int | None,
    actor_username: str,
    action: str,
    detail_text: str,
) -> str:
    return "".join(
        (
            '{"action":',
            _scalar(action),
            ',"actor":',
            _scalar(actor_id),
            ',"actor_kind":',
            _scalar(actor_kind),
            ',"actor_username":',
            _scalar(actor_username),
            ',"at":',
            _scalar(at),
            ',"detail":',
            detail_text,
            ',"position":',
            _scalar(position),
            ',"stream":',
            _scalar(stream),
            "}",
        )
    )


_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode
# What ``_dumps`` writes for a string (ASCII, escaped), called directly: the encoder's own
# checks cost more than the escaping, eight times an entry, five million entries a check.
_ascii_string = json.encoder.encode_basestring_ascii


def _scalar(value: Any) -> str:
    """``_dumps(value)`` for an entry's columns, the common types written without the encoder."""
    kind = type(value)
    if kind is str:
        return _ascii_string(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return _dumps(value)


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
    """An entry as stored: the model, or a row read in bulk (``EntryColumns``)."""

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


@dataclass(frozen=True)
class _Walk:
    """What checking many streams needs once, not per entry: the chain's and the heads' keys,
    derived once, and the canonical texts of the details met so far (``_detail_texts``)."""

    link: Callable[[str, str], str] = field(default_factory=audit_chain_hasher)
    head: Callable[[str, int, str], str] = field(default_factory=audit_head_hasher)
    detail_text: Callable[[Any], str] = field(default_factory=lambda: _detail_texts())

    def head_is_authentic(self, head: StoredHead) -> bool:
        return hmac.compare_digest(
            head.head_mac, self.head(head.stream, head.length, head.last_hash)
        )


def _rows_chain_is_valid(
    rows: Iterable[EntryColumns], *, head: StoredHead | None, walk: _Walk
) -> bool:
    """Recompute the chain of one stream, in order, against the stored hashes and its head.

    The head must be authentic and name the last entry: a tail cut off with the head set back
    to the new last entry (issue 10), or a head deleted, no longer verifies. ``digest`` is the
    chain link with its key derived once (``walk``); the rows are bare columns (``_entries_query``),
    since five million entries are too many to make objects of.
    """
    link, detail_text, text = walk.link, walk.detail_text, _ascii_string
    previous = GENESIS
    length = 0
    for length, row in enumerate(rows, start=1):
        stream, position, at, kind, actor_id, username, action, detail, previous_hash, stored = row
        if position != length or previous_hash != previous:
            return False
        # ``canonical_of``'s text in one expression: the table fixes each column's type (text,
        # integers, the actor's id or null), so none needs the general encoder; a row that
        # differed would only fail its link (``tests/audit/test_services.py`` holds them equal).
        canonical = (
            f'{{"action":{text(action)},"actor":{"null" if actor_id is None else actor_id},'
            f'"actor_kind":{text(kind)},"actor_username":{text(username)},"at":{text(at)},'
            f'"detail":{detail_text(detail)},"position":{position},"stream":{text(stream)}}}'
        )
        if link(previous, canonical) != stored:
            return False
        previous = stored
    if head is None:
        return length == 0
    return head.length == length and head.last_hash == previous and walk.head_is_authentic(head)


def _detail_texts() -> Callable[[Any], str]:
    """The canonical text of a stored detail, remembered for one walk of the trail: most
    entries' details are one of a few (a transition's states, a consent's route), so each is
    parsed and written out once rather than for every entry. The cache is the walk's own."""

    @lru_cache(maxsize=DETAIL_TEXTS_KEPT)
    def parsed(stored: str) -> str:
        return _dumps(json.loads(stored))

    def text(stored: Any) -> str:
        # Django's PostgreSQL backend hands jsonb over as text, for the field to parse.
        return parsed(stored) if isinstance(stored, str) else _dumps(stored)

    return text


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
        cursor.execute(_entries_query(" WHERE stream = %s", "position"), [str(stream)])
        rows = _rows_of(cursor)
        first = next(rows, None)
        # Every report's stream starts with its submission: an empty one, or one that starts
        # elsewhere, was emptied and begun again.
        if first is None or not _starts_as_a_stream_must(str(stream), first):
            return False
        return _rows_chain_is_valid(chain([first], rows), head=head, walk=_Walk())


# --- The whole trail at once ------------------------------------------------------------------


# An entry's columns as ``_entries_query`` reads them: stream, position, time (as
# ``datetime.isoformat()`` writes it, in UTC), actor kind, actor id, actor username, action,
# detail, previous hash, entry hash.
EntryColumns = tuple[Any, ...]


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
# With parameters, psycopg reads a lone "%" as a placeholder: the modulo is written twice.
_ISO_AT_POSTGRESQL = (
    "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') "
    "|| CASE WHEN date_part('microseconds', at)::bigint %% 1000000 <> 0 "
    "THEN to_char(at AT TIME ZONE 'UTC', '.US') ELSE '' END || '+00:00'"
)
# SQLite (the demo) keeps the time as Django writes it, the UTC time's isoformat(" "): only the
# separator and the offset differ.
_ISO_AT_SQLITE = "replace(at, ' ', 'T') || '+00:00'"
_COLUMNS = (
    "stream, position, {at}, actor_kind, actor_id, actor_username, action, detail, "
    "previous_hash, entry_hash"
)


def _entries_query(where: str, order: str) -> str:
    """The entries' columns as the chain covers them (``EntryColumns``), the time written out
    by the database; ``where`` has a placeholder per parameter."""
    at = _ISO_AT_POSTGRESQL if connection.vendor == "postgresql" else _ISO_AT_SQLITE
    return f"SELECT {_COLUMNS.format(at=at)} FROM {_ENTRIES}{where} ORDER BY {order}"  # noqa: S608  # nosec B608  # table and columns from the code, values bound


_HEADS_COUNT = f"SELECT count(*) FROM {_HEADS}"  # noqa: S608  # nosec B608
_HEAD_AT = f"SELECT stream FROM {_HEADS} ORDER BY stream OFFSET %s LIMIT 1"  # noqa: S608  # nosec B608
_HEADS_WITHOUT_ENTRIES = (
    f"SELECT h.stream FROM {_HEADS} h WHERE NOT EXISTS "  # noqa: S608  # nosec B608
    f"(SELECT 1 FROM {_ENTRIES} e WHERE e.stream = h.stream)"
)


@dataclass
class TrailCheck:
    """What ``trail_verify`` found: how many streams it read, and those that do not verify."""

    streams: int = 0
    broken: list[str] = field(default_factory=list)

    def add(self, other: TrailCheck) -> None:
        self.streams += other.streams
        self.broken += other.broken


def trail_verify(*, batch_size: int = 5000, workers: int = 1) -> TrailCheck:
    """Every stream's chain and head (``stream_is_valid`` for each), checked by reading the
    whole trail once, stream after stream, in bounded memory.

    Asking stream by stream costs two queries and a transaction per stream: some fifteen
    minutes at a million reports. Here one server-side cursor walks every entry in order and
    the heads come a batch of streams at a time. It all reads one snapshot (repeatable read),
    which is what ``stream_is_valid``'s lock on the head gave: an entry appended meanwhile is
    seen with its head or not at all, so an intact stream never looks cut.

    With ``workers`` above one (PostgreSQL, outside a transaction), the streams are split into
    that many ranges, each walked by a process of its own that reads the same snapshot
    (``pg_export_snapshot``): the check is CPU-bound, millions of links to recompute.
    """
    if workers > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _trail_verify_in_parallel(batch_size=batch_size, workers=workers)
    check = TrailCheck()
    # Called inside a transaction already (a test's), it reads within that one.
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        # SQLite's transactions (the demo's) are serialisable already.
        if outermost and connection.vendor == "postgresql":
            cursor.execute(_SNAPSHOT_READ)
        check.add(_heads_without_entries(cursor))
        check.add(_range_verify(StreamRange(), batch_size=batch_size))
    check.broken.sort()
    return check


_SNAPSHOT_READ = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"


@dataclass(frozen=True)
class StreamRange:
    """Streams from ``first`` (included) to ``end`` (excluded); ``None`` leaves a side open."""

    first: str | None = None
    end: str | None = None

    def where(self) -> tuple[str, list[str]]:
        conditions, parameters = [], []
        if self.first is not None:
            conditions.append("stream >= %s")
            parameters.append(self.first)
        if self.end is not None:
            conditions.append("stream < %s")
            parameters.append(self.end)
        return (" WHERE " + " AND ".join(conditions) if conditions else ""), parameters


def _heads_without_entries(cursor: Any) -> TrailCheck:
    # A head whose stream has no entry left: emptied.
    cursor.execute(_HEADS_WITHOUT_ENTRIES)
    emptied = [stream for (stream,) in cursor.fetchall()]
    return TrailCheck(streams=len(emptied), broken=emptied)


def _range_verify(streams: StreamRange, *, batch_size: int) -> TrailCheck:
    """Walk one range of streams' entries in order, checking their heads a batch at a time."""
    walk = _Walk()
    check = TrailCheck()
    pending: list[tuple[str, list[EntryColumns]]] = []
    waiting = 0
    for stream, rows in _streams(streams, batch_size):
        pending.append((stream, rows))
        waiting += len(rows)
        if waiting >= batch_size:
            check.add(_broken_among(pending, walk))
            pending, waiting = [], 0
    check.add(_broken_among(pending, walk))
    return check


def _trail_verify_in_parallel(*, batch_size: int, workers: int) -> TrailCheck:
    # The processes are forked holding no database connection (a connection shared across a
    # fork is corrupted by both sides): each opens its own and joins the snapshot that this
    # transaction exports and holds open until all are done.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_SNAPSHOT_READ)
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        parts = [
            pool.apply_async(_range_verify_in_snapshot, (snapshot, streams, batch_size))
            for streams in _stream_ranges(cursor, workers)
        ]
        check = _heads_without_entries(cursor)
        for part in parts:
            check.add(part.get())
    check.broken.sort()
    return check


def _stream_ranges(cursor: Any, count: int) -> list[StreamRange]:
    """``count`` ranges of about as many streams each, split at the heads' streams."""
    cursor.execute(_HEADS_COUNT)
    (heads,) = cursor.fetchone()
    bounds: list[str | None] = [None]
    for part in range(1, count):
        cursor.execute(_HEAD_AT, [heads * part // count])
        row = cursor.fetchone()
        if row is not None and row[0] != bounds[-1]:
            bounds.append(row[0])
    bounds.append(None)
    return [StreamRange(first, end) for first, end in pairwise(bounds)]


def _range_verify_in_snapshot(snapshot: str, streams: StreamRange, batch_size: int) -> TrailCheck:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_SNAPSHOT_READ)
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            return _range_verify(streams, batch_size=batch_size)
    finally:
        connection.close()


def _streams(streams: StreamRange, batch_size: int) -> Iterator[tuple[str, list[EntryColumns]]]:
    """Each stream of the range with its entries' columns in order, from one server-side
    cursor."""
    where, parameters = streams.where()
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(_entries_query(where, "stream, position"), parameters)
        stream: str | None = None
        rows: list[EntryColumns] = []
        while fetched := cursor.fetchmany(batch_size):
            for row in fetched:
                if row[0] != stream:
                    if stream is not None:
                        yield stream, rows
                    stream, rows = row[0], []
                rows.append(row)
        if stream is not None:
            yield stream, rows
    finally:
        cursor.close()


def _rows_of(cursor: Any) -> Iterator[EntryColumns]:
    """The rows a query of ``_entries_query`` found, ``STREAM_CHUNK`` at a time."""
    while rows := cursor.fetchmany(STREAM_CHUNK):
        yield from rows


def _starts_as_a_stream_must(stream: str, first: EntryColumns) -> bool:
    # Every report's stream starts with its submission: one that starts elsewhere was emptied
    # and begun again.
    return stream == SYSTEM_STREAM or first[6] == AuditAction.REPORT_SUBMITTED


def _broken_among(
    streams: list[tuple[str, list[EntryColumns]]],
    walk: _Walk,
) -> TrailCheck:
    if not streams:
        return TrailCheck()
    found = AuditStreamHead.objects.filter(stream__in=[stream for stream, _rows in streams])
    heads = {
        row[0]: StoredHeadRow(*row)
        for row in found.values_list("stream", "length", "last_hash", "head_mac")
    }
    broken = [
        stream
        for stream, rows in streams
        if not _starts_as_a_stream_must(stream, rows[0])
        or not _rows_chain_is_valid(rows, head=heads.get(stream), walk=walk)
    ]
    return TrailCheck(streams=len(streams), broken=broken)
