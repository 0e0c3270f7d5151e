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
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from logging import INFO, LogRecord
from logging.handlers import SysLogHandler
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditCheckpoint, AuditEntry, AuditStreamHead
from audit.services import GENESIS, head_is_authentic
from vault.envelope import audit_checkpoint_digest, audit_stream_tag

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


def _streams_digest(streams: dict[str, list[object]]) -> str:
    return audit_checkpoint_digest(_canonical({"kind": "streams", "streams": streams}))


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


def exported_checkpoints_read(path: str | Path) -> list[ExportedCheckpoint]:
    """The checkpoints in an exported copy (the target file, or lines collected from syslog),
    in the order written; lines that do not name a checkpoint are skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if MARKER not in line:
            continue
        match = _LINE.search(line)
        if match is None:
            raise CheckpointError(f"{path}, line {number}: not a checkpoint this service wrote.")
        found.append(
            ExportedCheckpoint(
                sequence=int(match["sequence"]),
                at=match["at"],
                previous_digest=match["previous"],
                digest=match["digest"],
            )
        )
    return found


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


def _stream_names(known_streams: Iterable[str]) -> set[str]:
    names = set(AuditStreamHead.objects.values_list("stream", flat=True))
    names |= set(AuditEntry.objects.order_by().values_list("stream", flat=True).distinct())
    return names | set(known_streams)


def _trail_shortfalls(checkpoint: AuditCheckpoint, known_streams: Iterable[str]) -> list[str]:
    """What keeps today's trail from reaching a checkpoint's streams."""
    streams: dict[str, list[object]] = checkpoint.streams or {}
    by_tag = {audit_stream_tag(name): name for name in _stream_names(known_streams)}
    wanted = [str(last_hash) for _length, last_hash in streams.values()]
    # The entry hash is unique: one indexed lookup finds where each checkpointed hash now is.
    found: dict[str, tuple[str, int]] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = AuditEntry.objects.filter(entry_hash__in=wanted[start : start + _CHUNK])
        for entry_hash, stream, position in rows.values_list("entry_hash", "stream", "position"):
            found[entry_hash] = (stream, position)
    problems = []
    gone = 0
    for tag, (length, last_hash) in sorted(streams.items()):
        name = by_tag.get(tag)
        if name is None:
            gone += 1
        elif found.get(str(last_hash)) != (name, length):
            problems.append(
                f"stream {name} no longer reaches checkpoint {checkpoint.sequence} "
                "(cut short, emptied or rewritten)"
            )
    if gone:
        problems.append(f"{gone} stream(s) counted in checkpoint {checkpoint.sequence} are gone")
    return problems


def _stored_chain_problems(stored: list[AuditCheckpoint]) -> list[str]:
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


def _exported_chain_problems(exported: list[ExportedCheckpoint]) -> list[str]:
    # Lines lost on the way to syslog leave gaps, which are tolerated; a sequence that goes
    # back, or a line that does not follow the one before it, is not.
    for earlier, later in pairwise(exported):
        if later.sequence <= earlier.sequence or (
            later.sequence == earlier.sequence + 1 and later.previous_digest != earlier.digest
        ):
            return [f"the exported checkpoint chain is broken at checkpoint {later.sequence}"]
    return []


def checkpoint_problems(
    exported: list[ExportedCheckpoint] | None, *, known_streams: Iterable[str] = ()
) -> list[str]:
    """Why the trail does not reach the last exported checkpoint; empty when it does.

    ``exported`` is the exported copy (``None`` when there is none to read, as with syslog
    only): the stored checkpoints are then checked against themselves. ``known_streams`` are
    streams that must exist (every report's), so that a stream gone entirely can be named.
    """
    stored = list(AuditCheckpoint.objects.order_by("sequence"))
    problems = _stored_chain_problems(stored)
    if exported is not None:
        problems += _exported_chain_problems(exported)
        by_sequence = {checkpoint.sequence: checkpoint for checkpoint in stored}
        if exported:
            last = exported[-1]
            match = by_sequence.get(last.sequence)
            if match is None or ExportedCheckpoint.of(match) != last:
                problems.append(
                    f"checkpoint {last.sequence}, the last exported, is not the one in the "
                    "database: the audit tables were cut or restored from an older copy"
                )
        elif stored:
            problems.append(
                f"the exported copy holds none of the {len(stored)} checkpoints in the database"
            )
    if stored:
        latest = stored[-1]
        if latest.streams is None or _streams_digest(latest.streams) != latest.streams_digest:
            problems.append(f"the detail of checkpoint {latest.sequence} is missing or altered")
        else:
            problems += _trail_shortfalls(latest, known_streams)
    return problems


@transaction.atomic
def checkpoint_verify(
    *, exported_path: str | Path | None, known_streams: Iterable[str] = ()
) -> list[str]:
    """``checkpoint_problems`` against the exported copy at ``exported_path``, if any."""
    _lock()
    exported = exported_checkpoints_read(exported_path) if exported_path else None
    return checkpoint_problems(exported, known_streams=known_streams)


# --- Writing ----------------------------------------------------------------------------------


@transaction.atomic
def checkpoint_create(*, at: datetime | None = None) -> AuditCheckpoint:
    """Pin every stream's length and last hash, chained to the previous checkpoint, and append
    the checkpoint's line to the export target.

    The export happens before the commit: if it fails nothing is stored, so the database never
    holds a checkpoint the outside does not. Refused, with nothing written, when the trail no
    longer reaches the previous checkpoint or a head is not authentic: a new checkpoint over a
    cut trail would make the cut the new normal.
    """
    _lock()
    exported_path = settings.UPSTANDER_AUDIT_CHECKPOINT_FILE
    exported = exported_checkpoints_read(exported_path) if exported_path else None
    problems = checkpoint_problems(exported)
    # The heads are streamed, not listed: a stream a report, they outgrow a worker's memory.
    forged = 0
    streams: dict[str, list[object]] = {}
    for head in AuditStreamHead.objects.filter(length__gt=0).iterator(chunk_size=_CHUNK):
        forged += not head_is_authentic(head)
        streams[audit_stream_tag(head.stream)] = [head.length, head.last_hash]
    if forged:
        problems.append(f"{forged} stream head(s) are not authentic")
    if problems:
        # Counts and sequences only: the task's failure is logged, and needs no report id.
        raise CheckpointError(
            f"No checkpoint written: {len(problems)} problem(s) with the audit trail. "
            "Run manage.py verify_audit_chain."
        )
    previous = AuditCheckpoint.objects.order_by("-sequence").first()
    checkpoint = AuditCheckpoint(
        sequence=previous.sequence + 1 if previous else 1,
        at=(at or timezone.now()).replace(microsecond=0),
        previous_digest=previous.digest if previous else GENESIS,
        streams_digest=_streams_digest(streams),
        streams=streams,
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
        AuditCheckpoint.objects.filter(pk=previous.pk).update(streams=None)
    _export(ExportedCheckpoint.of(checkpoint).line())
    return checkpoint
