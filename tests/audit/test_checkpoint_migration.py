"""Migration 0005 (issue 15) over a trail checkpointed before it: every head is given its tag,
the latest checkpoint's JSON detail becomes rows with its digest still valid, and the trail
still verifies and is checkpointed again; backwards, the rows become the JSON detail again."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit.checkpoints import ExportedCheckpoint, _checkpoint_digest
from audit.models import AuditAction, AuditCheckpoint, AuditCheckpointStream, AuditStreamHead
from audit.services import GENESIS, SYSTEM_STREAM, audit_record
from vault.envelope import audit_checkpoint_digest, audit_stream_tag

BEFORE = [("audit", "0004_checkpoints")]
MIGRATION = importlib.import_module("audit.migrations.0005_checkpoint_detail_in_rows")


def _migrate(targets: list[tuple[str, str]] | None = None) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


def _old_checkpoint(export: Path) -> dict[str, list[object]]:
    """A checkpoint as the code before migration 0005 wrote it, its detail a JSON document."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT stream, length, last_hash FROM audit_auditstreamhead")
        streams = {audit_stream_tag(s): [length, last] for s, length, last in cursor.fetchall()}
    canonical = json.dumps(
        {"kind": "streams", "streams": streams}, sort_keys=True, separators=(",", ":")
    )
    at = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    streams_digest = audit_checkpoint_digest(canonical)
    digest = _checkpoint_digest(
        sequence=1, at=at, previous_digest=GENESIS, streams_digest=streams_digest
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditcheckpoint (sequence, at, previous_digest, streams_digest, "
            "digest, streams) VALUES (1, %s, %s, %s, %s, %s)",
            [at, GENESIS, streams_digest, digest, json.dumps(streams)],
        )
    line = ExportedCheckpoint(1, "2026-11-26T12:00:00Z", GENESIS, digest).line()
    export.write_text(line + "\n")
    return streams


def _detail(sequence: int) -> dict[str, list[object]]:
    rows = AuditCheckpointStream.objects.filter(checkpoint_id=sequence)
    return {
        tag: [length, last] for tag, length, last in rows.values_list("tag", "length", "last_hash")
    }


@pytest.mark.django_db(transaction=True)
def test_the_migration_tags_heads_and_moves_the_latest_detail_into_rows(
    open_case: Any, focal_point: Any, settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    export = tmp_path / "checkpoints.log"
    settings.UPSTANDER_AUDIT_CHECKPOINT_FILE = str(export)
    open_case()
    open_case()
    audit_record(stream=SYSTEM_STREAM, action=AuditAction.STAFF_LOGIN, actor=focal_point)
    _migrate(BEFORE)
    streams = _old_checkpoint(export)
    # A batch a head: the batches follow one another without missing or repeating one.
    monkeypatch.setattr(MIGRATION, "TAG_BATCH", 1)

    _migrate()

    heads = list(AuditStreamHead.objects.values_list("stream", "tag"))
    assert len(heads) == 3
    assert all(tag == audit_stream_tag(stream) for stream, tag in heads)
    assert _detail(1) == streams
    out = StringIO()
    call_command("verify_audit_chain", stdout=out)
    assert "Audit chain intact: 3 streams verified." in out.getvalue()
    # The checkpoint written before the migration is checked, then superseded.
    call_command("audit_checkpoint", stdout=StringIO())
    assert set(AuditCheckpointStream.objects.values_list("checkpoint_id", flat=True)) == {2}

    _migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequence, streams FROM audit_auditcheckpoint ORDER BY sequence")
        stored = [(sequence, detail) for sequence, detail in cursor.fetchall()]
    assert stored[0] == (1, None)
    assert stored[1][0] == 2
    assert json.loads(stored[1][1]) == streams

    _migrate()
    assert _detail(2) == streams
    assert AuditCheckpoint.objects.count() == 2
    call_command("verify_audit_chain", stdout=StringIO())
