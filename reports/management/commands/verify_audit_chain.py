"""Verify every audit stream's hash chain and head, and that the trail still reaches the last
exported checkpoint; exit 1 naming what was tampered with.

It lives with the reports because it knows what audit/ must not: every report has a stream, so
a report whose stream was emptied (entries and head together) counts as broken. The trail is
read once, in order, in bounded memory (``audit.services.trail_verify``), by two processes per core
over ranges of streams that all read the same snapshot."""

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from audit.checkpoints import CheckpointError, checkpoint_verify
from audit.models import AuditEntry, AuditStreamHead
from audit.services import trail_verify
from reports.models import Report

# Reports of which no entry and no head is left: their streams were emptied entirely.
_REPORTS_WITHOUT_STREAM = (
    f"SELECT r.id::text FROM {Report._meta.db_table} r "  # noqa: S608  # nosec B608  # table names from the models
    f"WHERE NOT EXISTS (SELECT 1 FROM {AuditStreamHead._meta.db_table} h "
    "WHERE h.stream = r.id::text) "
    f"AND NOT EXISTS (SELECT 1 FROM {AuditEntry._meta.db_table} e WHERE e.stream = r.id::text)"
)


def _reports_without_stream() -> list[str]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_REPORTS_WITHOUT_STREAM)
            return [stream for (stream,) in cursor.fetchall()]
    # SQLite (the demo) stores a report's id without its dashes, so the ids are compared here,
    # over a demonstration's few reports.
    streams = set(AuditStreamHead.objects.values_list("stream", flat=True))
    streams |= set(AuditEntry.objects.values_list("stream", flat=True).distinct())
    reports = (str(report_id) for report_id in Report.objects.values_list("id", flat=True))
    return [report for report in reports if report not in streams]


class Command(BaseCommand):
    help = (
        "Verify the hash chain and head of every audit stream, and that the trail reaches the "
        "last exported checkpoint."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            # Each process waits for its database backend about as long as it computes: two
            # a core keep the cores busy (7.45 million entries: 98 s with one a core, 57 s
            # with two, on 2 cores).
            default=2 * (os.cpu_count() or 1),
            help="processes recomputing the chains, each over a range of streams (default: two "
            "per core; PostgreSQL only, one snapshot for all)",
        )
        parser.add_argument(
            "--checkpoint-file",
            help=(
                "The exported checkpoints to check against (a copy of the target file, or the "
                "lines collected from syslog); default: UPSTANDER_AUDIT_CHECKPOINT_FILE."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        check = trail_verify(workers=options["workers"])
        # Every report must have a stream: one emptied (heads included) counts as broken. The
        # system stream, which no row requires, is pinned by the checkpoints instead.
        vanished = _reports_without_stream()
        broken = sorted(check.broken + vanished)
        exported_path = options["checkpoint_file"] or settings.UPSTANDER_AUDIT_CHECKPOINT_FILE
        try:
            # A report's stream gone entirely is named above, and counted there too.
            short = checkpoint_verify(exported_path=exported_path or None)
        except CheckpointError as error:
            short = [str(error)]
        total = check.streams + len(vanished)
        if broken:
            self.stderr.write(
                f"Audit chain broken in {len(broken)} of {total} streams: {', '.join(broken)}"
            )
        if short:
            self.stderr.write(
                "Audit trail does not reach the last exported checkpoint: " + "; ".join(short)
            )
        if broken or short:
            raise SystemExit(1)
        self.stdout.write(f"Audit chain intact: {total} streams verified.")
        if not exported_path:
            self.stdout.write(
                "Not checked against an exported checkpoint: set "
                "UPSTANDER_AUDIT_CHECKPOINT_FILE or give --checkpoint-file."
            )
