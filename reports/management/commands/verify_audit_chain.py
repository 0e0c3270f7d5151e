"""Verify every audit stream's hash chain and head, and that the trail still reaches the last
exported checkpoint; exit 1 naming what was tampered with.

It lives with the reports because it knows what audit/ must not: every report has a stream, so
a report whose stream was emptied (entries and head together) counts as broken."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from audit.checkpoints import CheckpointError, checkpoint_verify
from audit.models import AuditEntry, AuditStreamHead
from audit.services import stream_is_valid
from reports.models import Report


class Command(BaseCommand):
    help = (
        "Verify the hash chain and head of every audit stream, and that the trail reaches the "
        "last exported checkpoint."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint-file",
            help=(
                "The exported checkpoints to check against (a copy of the target file, or the "
                "lines collected from syslog); default: UPSTANDER_AUDIT_CHECKPOINT_FILE."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Every report must have a stream: one emptied (heads included) counts as broken. The
        # system stream, which no row requires, is pinned by the checkpoints instead.
        reports = {str(report_id) for report_id in Report.objects.values_list("id", flat=True)}
        streams = set(AuditStreamHead.objects.values_list("stream", flat=True)) | reports
        streams |= set(AuditEntry.objects.order_by().values_list("stream", flat=True).distinct())
        broken = [stream for stream in sorted(streams) if not stream_is_valid(stream)]
        exported_path = options["checkpoint_file"] or settings.UPSTANDER_AUDIT_CHECKPOINT_FILE
        try:
            short = checkpoint_verify(exported_path=exported_path or None, known_streams=reports)
        except CheckpointError as error:
            short = [str(error)]
        total = len(streams)
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
