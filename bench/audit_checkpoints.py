"""Benchmark of audit checkpoints at scale (issue 10): writing one, and checking the trail.

``python -m bench.audit_checkpoints [--streams 10000] [--entries 6]`` recreates the database
``upstander_bench_audit`` on 127.0.0.1:5432, fills it with that many streams of chained
entries (written in bulk with the real keyed hashes, as ``audit_record`` would have), then
times:

1. the first checkpoint (nothing to check against yet) and a second one (which first checks
   that the trail reaches the first), as beat runs them every 5 minutes;
2. ``checkpoint_verify`` against the exported file, the part ``verify_audit_chain`` adds;
3. the whole ``verify_audit_chain`` (every stream's chain and head, then the checkpoint);

and prints the figures, with the size of the per-stream detail kept for the latest checkpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

from bench.databases import ensure_postgres_database

SERVER = "postgres://postgres@127.0.0.1:5432"
NAME = "upstander_bench_audit"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=6)
    args = parser.parse_args()
    ensure_postgres_database(SERVER, NAME, recreate=True)
    os.environ["DATABASE_URL"] = f"{SERVER}/{NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    with tempfile.TemporaryDirectory() as directory:
        os.environ["UPSTANDER_AUDIT_CHECKPOINT_FILE"] = os.path.join(directory, "checkpoints")
        import django  # noqa: PLC0415 - the environment above must be set before Django starts

        django.setup()
        print(json.dumps(run(args.streams, args.entries), indent=2))


def _fill(streams: int, entries: int) -> None:
    from django.utils import timezone  # noqa: PLC0415 - after django.setup()

    from audit.models import AuditAction, AuditEntry, AuditStreamHead  # noqa: PLC0415
    from audit.services import GENESIS, entry_canonical, head_digest  # noqa: PLC0415
    from vault.envelope import audit_chain_digest  # noqa: PLC0415

    now = timezone.now()
    rows: list[AuditEntry] = []
    heads: list[AuditStreamHead] = []
    for _ in range(streams):
        stream = str(uuid.uuid4())
        previous = GENESIS
        for position in range(1, entries + 1):
            entry = AuditEntry(
                stream=stream,
                position=position,
                at=now,
                actor_kind=AuditEntry.ActorKind.SYSTEM,
                action=AuditAction.REPORT_SUBMITTED if position == 1 else AuditAction.NOTE_ADDED,
                detail={},
                previous_hash=previous,
            )
            entry.entry_hash = audit_chain_digest(previous, entry_canonical(entry))
            previous = entry.entry_hash
            rows.append(entry)
        head = AuditStreamHead(stream=stream, last_hash=previous, length=entries)
        head.head_mac = head_digest(head)
        heads.append(head)
    AuditEntry.objects.bulk_create(rows, batch_size=5000)
    AuditStreamHead.objects.bulk_create(heads, batch_size=5000)


def _timed(work: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return round(time.perf_counter() - start, 3), result


def run(streams: int, entries: int) -> dict[str, Any]:
    from django.conf import settings  # noqa: PLC0415 - after django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    from audit.checkpoints import checkpoint_create, checkpoint_verify  # noqa: PLC0415
    from audit.models import AuditCheckpoint  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    fill_seconds, _ = _timed(lambda: _fill(streams, entries))
    first_seconds, _ = _timed(checkpoint_create)
    second_seconds, latest = _timed(checkpoint_create)
    path = settings.UPSTANDER_AUDIT_CHECKPOINT_FILE
    verify_seconds, problems = _timed(lambda: checkpoint_verify(exported_path=path))
    full_seconds, _ = _timed(lambda: call_command("verify_audit_chain", stdout=StringIO()))
    detail = AuditCheckpoint.objects.get(pk=latest.pk).streams or {}
    return {
        "streams": streams,
        "entries_per_stream": entries,
        "fill_seconds": fill_seconds,
        "first_checkpoint_seconds": first_seconds,
        "second_checkpoint_seconds": second_seconds,
        "checkpoint_verify_seconds": verify_seconds,
        "checkpoint_problems": problems,
        "verify_audit_chain_seconds": full_seconds,
        "latest_detail_bytes": len(json.dumps(detail)),
        "exported_line_bytes": len(Path(path).read_text().splitlines()[-1]),
    }


if __name__ == "__main__":
    main()
