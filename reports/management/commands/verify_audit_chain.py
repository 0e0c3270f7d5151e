"""Verify every audit stream's hash chain; exit 1 naming the streams that were tampered with.

It lives with the reports because it knows what audit/ must not: every report has a stream, so
a report whose stream was emptied (entries and head together) counts as broken."""

from typing import Any

from django.core.management.base import BaseCommand

from audit.models import AuditStreamHead
from audit.services import stream_is_valid
from reports.models import Report


class Command(BaseCommand):
    help = "Verify the hash chain of every audit stream."

    def handle(self, *args: Any, **options: Any) -> None:
        # Every report must have a stream: one emptied (heads included) counts as broken.
        streams = set(AuditStreamHead.objects.values_list("stream", flat=True))
        streams |= {str(report_id) for report_id in Report.objects.values_list("id", flat=True)}
        broken = [stream for stream in sorted(streams) if not stream_is_valid(stream)]
        total = len(streams)
        if broken:
            self.stderr.write(
                f"Audit chain broken in {len(broken)} of {total} streams: {', '.join(broken)}"
            )
            raise SystemExit(1)
        self.stdout.write(f"Audit chain intact: {total} streams verified.")
