"""Benchmark of audit checkpoints at scale (issues 10 and 15): writing one, checking the trail,
and the peak memory of each.

``python -m bench.audit_checkpoints [--streams 10000] [--entries 6]`` recreates the database
(``--database-url``, default ``upstander_bench_audit`` on 127.0.0.1:5432), fills it with that
many streams of chained entries (loaded with ``COPY``, a chunk at a time, with the real keyed
hashes, as ``audit_record`` would have written them), then times:

1. the first checkpoint (nothing to check against yet) and a second one (which first checks
   that the trail reaches the first), as beat runs them every 5 minutes;
2. ``checkpoint_verify`` against the exported file, the part ``verify_audit_chain`` adds;
3. the whole ``verify_audit_chain`` (every stream's chain and head, then the checkpoint);

and prints the figures, with the size of the per-stream detail kept for the latest checkpoint.

With ``--memory`` it instead runs ``manage.py audit_checkpoint`` twice and the periodic task
once, each in a process of its own, and prints the peak resident memory of each (the kernel's
``ru_maxrss``, as ``bench.memory`` measures it; issue 15 allows 300 MB).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import tempfile
import time
import uuid
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.databases import ensure_postgres_database

SERVER = "postgres://postgres@127.0.0.1:5432"
NAME = "upstander_bench_audit"
FILL_CHUNK = 10_000
CALL_TASK = (
    "import django; django.setup(); from audit.tasks import audit_checkpoint; "
    "print(audit_checkpoint())"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=6)
    parser.add_argument("--database-url", default=f"{SERVER}/{NAME}")
    parser.add_argument(
        "--memory", action="store_true", help="measure the peak memory of each, not the times"
    )
    args = parser.parse_args()
    server, _, name = args.database_url.rpartition("/")
    ensure_postgres_database(server, name, recreate=True)
    if args.memory:
        print(json.dumps(run_memory(args.database_url, args.streams, args.entries), indent=2))
        return
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    with tempfile.TemporaryDirectory() as directory:
        os.environ["UPSTANDER_AUDIT_CHECKPOINT_FILE"] = os.path.join(directory, "checkpoints")
        import django  # noqa: PLC0415 - the environment above must be set before Django starts

        django.setup()
        print(json.dumps(run(args.streams, args.entries), indent=2))


def _fill(streams: int, entries: int) -> None:
    """``streams`` streams of ``entries`` entries each, and their heads, loaded with ``COPY``
    a chunk of streams at a time (the memory it takes does not grow with ``streams``)."""
    from django.db import connection, transaction  # noqa: PLC0415 - after django.setup()
    from django.utils import timezone  # noqa: PLC0415

    from audit.models import AuditAction, AuditEntry, AuditStreamHead  # noqa: PLC0415
    from audit.services import GENESIS, canonical_of  # noqa: PLC0415
    from vault import envelope  # noqa: PLC0415

    chain = envelope.audit_chain_hasher()
    tagged = any(field.name == "tag" for field in AuditStreamHead._meta.fields)
    entry_columns = (
        "id, stream, position, at, actor_kind, actor_username, action, detail, "
        "previous_hash, entry_hash"
    )
    head_columns = "stream, last_hash, length, head_mac" + (", tag" if tagged else "")
    at = timezone.now().replace(microsecond=0)
    written = 0
    while written < streams:
        count = min(FILL_CHUNK, streams - written)
        entry_rows = io.StringIO()
        head_rows = io.StringIO()
        for _ in range(count):
            stream = str(uuid.uuid4())
            previous = GENESIS
            for position in range(1, entries + 1):
                action = AuditAction.REPORT_SUBMITTED if position == 1 else AuditAction.NOTE_ADDED
                canonical = canonical_of(
                    stream=stream,
                    position=position,
                    at=at,
                    actor_kind=AuditEntry.ActorKind.SYSTEM,
                    actor_id=None,
                    actor_username="",
                    action=action,
                    detail={},
                )
                entry_hash = chain(previous, canonical)
                entry_rows.write(
                    f"{uuid.uuid4()}\t{stream}\t{position}\t{at.isoformat()}\tsystem\t\t"
                    f"{action}\t{{}}\t{previous}\t{entry_hash}\n"
                )
                previous = entry_hash
            mac = envelope.audit_head_digest(stream, entries, previous)
            tag = f"\t{envelope.audit_stream_tag(stream)}" if tagged else ""
            head_rows.write(f"{stream}\t{previous}\t{entries}\t{mac}{tag}\n")
        with transaction.atomic(), connection.cursor() as cursor:
            copies = (
                (AuditEntry._meta.db_table, entry_columns, entry_rows),
                (AuditStreamHead._meta.db_table, head_columns, head_rows),
            )
            for table, columns, rows in copies:
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write(rows.getvalue())
        written += count


def _timed(work: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return round(time.perf_counter() - start, 3), result


def run(streams: int, entries: int) -> dict[str, Any]:
    from django.conf import settings  # noqa: PLC0415 - after django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    from audit.checkpoints import checkpoint_create, checkpoint_verify  # noqa: PLC0415
    from audit.models import AuditCheckpointStream  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    fill_seconds, _ = _timed(lambda: _fill(streams, entries))
    first_seconds, _ = _timed(checkpoint_create)
    second_seconds, latest = _timed(checkpoint_create)
    path = settings.UPSTANDER_AUDIT_CHECKPOINT_FILE
    verify_seconds, problems = _timed(lambda: checkpoint_verify(exported_path=path))
    full_seconds, _ = _timed(lambda: call_command("verify_audit_chain", stdout=StringIO()))
    return {
        "streams": streams,
        "entries_per_stream": entries,
        "fill_seconds": fill_seconds,
        "first_checkpoint_seconds": first_seconds,
        "second_checkpoint_seconds": second_seconds,
        "checkpoint_verify_seconds": verify_seconds,
        "checkpoint_problems": problems,
        "verify_audit_chain_seconds": full_seconds,
        "latest_detail_rows": AuditCheckpointStream.objects.filter(checkpoint=latest).count(),
        "exported_line_bytes": len(Path(path).read_text().splitlines()[-1]),
    }


def run_memory(database_url: str, streams: int, entries: int) -> dict[str, Any]:
    """Fill the database in a process of its own, then measure each checkpoint in a fresh
    process, as ``bench.memory`` does."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    from bench.memory import bench_keys, measure  # noqa: PLC0415
    from bench.submissions import BASE_DIR, OUT_DIR, VENV_BIN, server_environment  # noqa: PLC0415

    database = urlsplit(database_url).path.lstrip("/")
    env = server_environment(bench_keys(database), port=0, workers=1, database_url=database_url)
    checkpoints = OUT_DIR / f"{database}.checkpoints"
    checkpoints.unlink(missing_ok=True)
    env["UPSTANDER_AUDIT_CHECKPOINT_FILE"] = str(checkpoints)
    python = str(VENV_BIN / "python")
    manage = [python, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    fill = (
        "import django, sys; django.setup(); from bench.audit_checkpoints import _fill; "
        "_fill(int(sys.argv[1]), int(sys.argv[2]))"
    )
    started = time.perf_counter()
    subprocess.run(
        [python, "-c", fill, str(streams), str(entries)], cwd=BASE_DIR, env=env, check=True
    )
    fill_seconds = round(time.perf_counter() - started, 1)
    print(f"Filled {streams} streams in {fill_seconds} s", file=sys.stderr, flush=True)
    rows = [
        measure("audit_checkpoint (the first)", ["audit_checkpoint"], env),
        measure("audit_checkpoint (checks the first)", ["audit_checkpoint"], env),
        measure("task audit.tasks.audit_checkpoint", ["-c", CALL_TASK], env, manage_py=False),
    ]
    return {
        "streams": streams,
        "entries_per_stream": entries,
        "fill_seconds": fill_seconds,
        **{
            row.label: {
                "seconds": round(row.seconds, 1),
                "peak_mb": round(row.peak_mb, 1),
                "ok": row.ok,
            }
            for row in rows
        },
    }


if __name__ == "__main__":
    main()
