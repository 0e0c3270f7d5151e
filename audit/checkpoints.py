"""Checkpoints of the whole audit trail, exported outside the database (issue 10).

The chain and the authenticated heads show an entry changed or a head forged, but not a whole
trail put back as it was earlier: someone who restores an older copy of the audit tables, or
who cuts a stream and replays a head row seen before, leaves a trail that is consistent in
itself. A checkpoint pins, at one moment, every stream's length and last hash under the chain
key, chained to the checkpoint before it, and a line naming it is appended to a target outside
the database (a file, or syslog to another host): ``verify_audit_chain`` then refuses a trail
that no longer reaches the last exported checkpoint.

What the checkpoints could tell, and why they do not:

- The exported line carries the sequence, the time and two keyed digests: no stream id and no
  count. A count of report streams every few minutes would date each submission to those
  minutes, where the service otherwise dates a report to its day only.
- The per-stream detail (length and last hash) is kept in the database, where verifying needs
  it, under keyed stream names (``audit_stream_tag``), so it lists no report id; and only for
  the latest checkpoint. A checkpoint is written only after the trail was found to reach the
  previous one, so the latest vouches for all those before it, and older details, which would
  show in which few minutes each stream first appeared, are dropped.
- What was appended after the last checkpoint is protected by the chain and the head alone.

At a million streams nothing here holds every stream at once (issue 15): the detail is a row
per stream (``AuditCheckpointStream``), copied from the heads, which carry their keyed names,
inside the database; its digest is computed by reading it back in order, over the same text
as when it was one JSON document, so earlier checkpoints still verify; and the trail is checked
against it with queries whose results are problems only. The keyed names keep report ids out
of the detail; they do not hide from whoever reads the audit tables which stream a row pins,
since its last hash names an entry, as it always did.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from logging import INFO, LogRecord
from logging.handlers import SysLogHandler
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditCheckpoint, AuditCheckpointStream, AuditEntry, AuditStreamHead
from audit.services import GENESIS, StoredHeadRow, head_is_authentic
from vault.envelope import (
    audit_checkpoint_digest,
    audit_checkpoint_hasher,
    audit_stream_tagger,
)

MARKER = "upstander-audit-checkpoint"
_LINE = re.compile(
    rf"{MARKER} v1 sequence=(?P<sequence>[0-9]+) at=(?P<at>\S+) "
    r"previous=(?P<previous>[0-9a-f]{64}) digest=(?P<digest>[0-9a-f]{64})$"
)
# One lock for writing and for checking checkpoints: a check that ran between a checkpoint's
# export and its commit would find an exported checkpoint missing from the database.
_LOCK_ID = 0x5550_5354_4155_4449  # "UPSTAUDI"
_CHUNK = 1000


class CheckpointError(Exception):
    """A checkpoint could not be written: no target, a failed export, or a trail that no longer
    reaches the previous checkpoint (which a new one must never paper over)."""


@dataclass(frozen=True)
class ExportedCheckpoint:
    sequence: int
    at: str
    previous_digest: str
    digest: str

    @classmethod
    def of(cls, checkpoint: AuditCheckpoint) -> ExportedCheckpoint:
        return cls(
            sequence=checkpoint.sequence,
            at=checkpoint.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            previous_digest=checkpoint.previous_digest,
            digest=checkpoint.digest,
        )

    def line(self) -> str:
        return (
            f"{MARKER} v1 sequence={self.sequence} at={self.at} "
            f"previous={self.previous_digest} digest={self.digest}"
        )


def _canonical(payload: dict[str, object]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


def _checkpoint_digest(
    *, sequence: int, at: datetime, previous_digest: str, streams_digest: str
) -> str:
    return audit_checkpoint_digest(
        _canonical(
            {
                "kind": "checkpoint",
                "sequence": sequence,
                "at": at.isoformat(),
                "previous": previous_digest,
                "streams": streams_digest,
            }
        )
    )


def _lock() -> None:
    # SQLite (the demo) serialises writers by itself.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])


# --- The exported copy ----------------------------------------------------------------------


def exported_checkpoints(path: str | Path) -> Iterator[ExportedCheckpoint]:
    """The checkpoints in an exported copy (the target file, or lines collected from syslog),
    in the order written, read a line at a time (the file grows by some 100,000 lines a year);
    lines that do not name a checkpoint are skipped."""
    try:
        exported = Path(path).open(encoding="utf-8")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return
    with exported:
        for number, line in enumerate(exported, start=1):
            if MARKER not in line:
                continue
            match = _LINE.search(line.rstrip("\r\n"))
            if match is None:
                raise CheckpointError(
                    f"{path}, line {number}: not a checkpoint this service wrote."
                )
            yield ExportedCheckpoint(
                sequence=int(match["sequence"]),
                at=match["at"],
                previous_digest=match["previous"],
                digest=match["digest"],
            )


def exported_checkpoints_read(path: str | Path) -> list[ExportedCheckpoint]:
    """``exported_checkpoints`` as a list."""
    return list(exported_checkpoints(path))


class _RaisingSysLogHandler(SysLogHandler):
    def handleError(self, record: LogRecord) -> None:  # noqa: N802 - logging's name
        # Re-raises the send error: an export that failed must not pass for one that worked.
        raise


def _syslog_address(target: str) -> str | tuple[str, int]:
    if target.startswith("/"):
        return target
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise CheckpointError(
            "UPSTANDER_AUDIT_CHECKPOINT_SYSLOG must be a socket path or HOST:PORT (UDP)."
        )
    return host, int(port)


def _export(line: str) -> None:
    path = settings.UPSTANDER_AUDIT_CHECKPOINT_FILE
    syslog = settings.UPSTANDER_AUDIT_CHECKPOINT_SYSLOG
    if not path and not syslog:
        raise CheckpointError(
            "Neither UPSTANDER_AUDIT_CHECKPOINT_FILE nor UPSTANDER_AUDIT_CHECKPOINT_SYSLOG is "
            "set: a checkpoint kept only in the database protects nothing."
        )
    if path:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(descriptor, (line + "\n").encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    if syslog:
        address = _syslog_address(syslog)
        handler = _RaisingSysLogHandler(
            address=address,
            facility=SysLogHandler.LOG_AUTHPRIV,
            socktype=None if isinstance(address, str) else socket.SOCK_DGRAM,
        )
        try:
            handler.emit(LogRecord("upstander.audit", INFO, __file__, 0, line, None, None))
        finally:
            handler.close()


# --- Checking ---------------------------------------------------------------------------------

_HEADS = AuditStreamHead._meta.db_table
_DETAIL = AuditCheckpointStream._meta.db_table
_ENTRIES = AuditEntry._meta.db_table
_HEX64 = re.compile("[0-9a-f]{64}")
# Streams named in a refusal at most; every one is counted.
_NAMED = 100
# The checkpoint's streams whose head no longer names the entry the checkpoint pinned, at
# the same position of the same stream: cut short, emptied, or rewritten.
_NOT_REACHED = (
    f"SELECT h.stream FROM {_DETAIL} d JOIN {_HEADS} h ON h.tag = d.tag "  # noqa: S608  # nosec B608  # table names from the models
    f"WHERE d.checkpoint_id = %s AND NOT EXISTS (SELECT 1 FROM {_ENTRIES} e "
    "WHERE e.stream = h.stream AND e.position = d.length AND e.entry_hash = d.last_hash) "
    "ORDER BY h.stream"
)
# Its streams of which no head is left (every stream that has an entry has a head).
_GONE = (
    f"SELECT count(*) FROM {_DETAIL} d WHERE d.checkpoint_id = %s "  # noqa: S608  # nosec B608
    f"AND NOT EXISTS (SELECT 1 FROM {_HEADS} h WHERE h.tag = d.tag)"
)


def _by_tag() -> str:
    # Byte order, which is the order of Python's sorted keys for hexadecimal tags: the order
    # the streams digest was always computed in, whatever the database's collation.
    return ' ORDER BY tag COLLATE "C"' if connection.vendor == "postgresql" else " ORDER BY tag"


def _detail_digest(sequence: int) -> str | None:
    """The streams digest of a checkpoint's stored detail, read in tag order from a
    server-side cursor; ``None`` when a row could not have been written by this service.

    The text is the one the detail's digest has always covered, ``_canonical`` of
    ``{"kind": "streams", "streams": {tag: [length, last hash], ...}}``, written out a row at a
    time: checkpoints stored before the detail had rows of its own still verify.
    """
    hasher = audit_checkpoint_hasher()
    hasher.update(b'{"kind":"streams","streams":{')
    separator = b""
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT tag, length, last_hash FROM {_DETAIL} WHERE checkpoint_id = %s"  # noqa: S608  # nosec B608
            + _by_tag(),
            [sequence],
        )
        while rows := cursor.fetchmany(_CHUNK):
            for tag, length, last_hash in rows:
                # Only hexadecimal strings go into the text unescaped, so that no other set of
                # rows writes out the same text.
                if not (_HEX64.fullmatch(tag) and _HEX64.fullmatch(last_hash)):
                    return None
                hasher.update(
                    b'%s"%s":[%d,"%s"]' % (separator, tag.encode(), length, last_hash.encode())
                )
                separator = b","
    hasher.update(b"}}")
    return hasher.hexdigest()


def _trail_shortfalls(checkpoint: AuditCheckpoint) -> list[str]:
    """What keeps today's trail from reaching a checkpoint's streams, found in the database:
    the streams it names are problems, read from a cursor, and counted beyond ``_NAMED``."""
    problems = []
    unreached = 0
    with connection.chunked_cursor() as cursor:
        cursor.execute(_NOT_REACHED, [checkpoint.sequence])
        while rows := cursor.fetchmany(_CHUNK):
            for (stream,) in rows:
                unreached += 1
                if unreached <= _NAMED:
                    problems.append(
                        f"stream {stream} no longer reaches checkpoint {checkpoint.sequence} "
                        "(cut short, emptied or rewritten)"
                    )
    if unreached > _NAMED:
        problems.append(
            f"{unreached - _NAMED} more stream(s) no longer reach checkpoint {checkpoint.sequence}"
        )
    with connection.cursor() as cursor:
        cursor.execute(_GONE, [checkpoint.sequence])
        (gone,) = cursor.fetchone()
    if gone:
        problems.append(
            f"{gone} stream(s) counted in checkpoint {checkpoint.sequence} are gone (no head left)"
        )
    return problems


def _stored_chain_problems(stored: Iterable[AuditCheckpoint]) -> list[str]:
    previous = GENESIS
    for expected, checkpoint in enumerate(stored, start=1):
        digest = _checkpoint_digest(
            sequence=checkpoint.sequence,
            at=checkpoint.at,
            previous_digest=checkpoint.previous_digest,
            streams_digest=checkpoint.streams_digest,
        )
        if (
            checkpoint.sequence != expected
            or checkpoint.previous_digest != previous
            or checkpoint.digest != digest
        ):
            return [f"the stored checkpoint chain is broken at checkpoint {checkpoint.sequence}"]
        previous = checkpoint.digest
    return []


def _exported_chain_problems(
    exported: Iterable[ExportedCheckpoint],
) -> tuple[list[str], ExportedCheckpoint | None]:
    """What breaks the exported chain, and its last checkpoint (``None`` when it has none)."""
    # Lines lost on the way to syslog leave gaps, which are tolerated; a sequence that goes
    # back, or a line that does not follow the one before it, is not.
    problems: list[str] = []
    earlier = None
    for later in exported:
        if (
            not problems
            and earlier is not None
            and (
                later.sequence <= earlier.sequence
                or (
                    later.sequence == earlier.sequence + 1
                    and later.previous_digest != earlier.digest
                )
            )
        ):
            problems = [f"the exported checkpoint chain is broken at checkpoint {later.sequence}"]
        earlier = later
    return problems, earlier


def checkpoint_problems(exported: Iterable[ExportedCheckpoint] | None) -> list[str]:
    """Why the trail does not reach the last exported checkpoint; empty when it does.

    ``exported`` is the exported copy (``None`` when there is none to read, as with syslog
    only): the stored checkpoints are then checked against themselves. A stream gone entirely
    is counted here; ``verify_audit_chain`` names the reports among them. The checkpoints,
    stored and exported, are read as they come: one every five minutes, they add up.
    """
    checkpoints = AuditCheckpoint.objects.order_by("sequence")
    problems = _stored_chain_problems(checkpoints.iterator(chunk_size=_CHUNK))
    latest = checkpoints.last()
    if exported is not None:
        chain_problems, last = _exported_chain_problems(exported)
        problems += chain_problems
        if last is not None:
            match = checkpoints.filter(sequence=last.sequence).first()
            if match is None or ExportedCheckpoint.of(match) != last:
                problems.append(
                    f"checkpoint {last.sequence}, the last exported, is not the one in the "
                    "database: the audit tables were cut or restored from an older copy"
                )
        elif latest is not None:
            problems.append(
                f"the exported copy holds none of the {checkpoints.count()} checkpoints in the "
                "database"
            )
    if latest is not None:
        if _detail_digest(latest.sequence) != latest.streams_digest:
            problems.append(f"the detail of checkpoint {latest.sequence} is missing or altered")
        else:
            problems += _trail_shortfalls(latest)
    return problems


@transaction.atomic
def checkpoint_verify(*, exported_path: str | Path | None) -> list[str]:
    """``checkpoint_problems`` against the exported copy at ``exported_path``, if any."""
    _lock()
    exported = exported_checkpoints(exported_path) if exported_path else None
    return checkpoint_problems(exported)


# --- Writing ----------------------------------------------------------------------------------


@transaction.atomic
def checkpoint_create(*, at: datetime | None = None) -> AuditCheckpoint:
    """Pin every stream's length and last hash, chained to the previous checkpoint, and append
    the checkpoint's line to the export target.

    The export happens before the commit: if it fails nothing is stored, so the database never
    holds a checkpoint the outside does not. Refused, with nothing written, when the trail no
    longer reaches the previous checkpoint or a head is not authentic: a new checkpoint over a
    cut trail would make the cut the new normal.

    At a million streams no stream passes through memory all at once (issue 15): the heads
    are checked as they stream past, the detail is copied from them inside the database, and
    its digest is computed by reading it back in order.
    """
    _lock()
    exported_path = settings.UPSTANDER_AUDIT_CHECKPOINT_FILE
    exported = exported_checkpoints(exported_path) if exported_path else None
    problems = checkpoint_problems(exported)
    previous = AuditCheckpoint.objects.order_by("-sequence").first()
    sequence = previous.sequence + 1 if previous else 1
    # The detail first (the foreign key is checked at commit), then its digest read back from
    # it: the heads may move meanwhile, the detail and its digest cannot disagree. In tag
    # order, so that the rows are not stored in the order the streams were created.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_DETAIL} (checkpoint_id, tag, length, last_hash) "  # noqa: S608  # nosec B608
            f"SELECT %s, tag, length, last_hash FROM {_HEADS} WHERE length > 0" + _by_tag(),
            [sequence],
        )
    # The heads are checked after they were copied: a head pinned is still where it was, and
    # so checked, unless an append moved it on since, which keeps a forged head unauthentic.
    forged = _forged_heads()
    if forged:
        problems.append(f"{forged} stream head(s) are not authentic")
    if problems:
        # Counts and sequences only: the task's failure is logged, and needs no report id.
        # Raised inside the transaction: the detail just copied goes with it.
        raise CheckpointError(
            f"No checkpoint written: {len(problems)} problem(s) with the audit trail. "
            "Run manage.py verify_audit_chain."
        )
    streams_digest = _detail_digest(sequence)
    if streams_digest is None:
        raise CheckpointError("No checkpoint written: a stream head carries a malformed hash.")
    checkpoint = AuditCheckpoint(
        sequence=sequence,
        at=(at or timezone.now()).replace(microsecond=0),
        previous_digest=previous.digest if previous else GENESIS,
        streams_digest=streams_digest,
    )
    checkpoint.digest = _checkpoint_digest(
        sequence=checkpoint.sequence,
        at=checkpoint.at,
        previous_digest=checkpoint.previous_digest,
        streams_digest=checkpoint.streams_digest,
    )
    checkpoint.save(force_insert=True)
    if previous is not None:
        # The new checkpoint vouches for this one; its detail would only date streams.
        AuditCheckpointStream.objects.filter(checkpoint=previous).delete()
    _export(ExportedCheckpoint.of(checkpoint).line())
    return checkpoint


def _forged_heads() -> int:
    """How many heads with entries are not authentic, or carry another stream's tag.

    Streamed, not listed: a stream a report, they outgrow a worker's memory.
    """
    tag = audit_stream_tagger()
    heads = AuditStreamHead.objects.filter(length__gt=0).values_list(
        "stream", "length", "last_hash", "head_mac", "tag"
    )
    forged = 0
    for stream, length, last_hash, head_mac, head_tag in heads.iterator(chunk_size=_CHUNK):
        head = StoredHeadRow(stream, length, last_hash, head_mac)
        forged += not head_is_authentic(head) or head_tag != tag(stream)
    return forged
