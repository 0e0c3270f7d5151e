"""Verify every audit stream's hash chain; exit 1 naming the streams that were tampered with."""

from typing import Any

from django.core.management.base import BaseCommand

from audit.models import AuditStreamHead
from audit.services import stream_is_valid


class Command(BaseCommand):
    help = "Verify the hash chain of every audit stream."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = [
            head.stream
            for head in AuditStreamHead.objects.order_by("stream")
            if not stream_is_valid(head.stream)
        ]
        total = AuditStreamHead.objects.count()
        if broken:
            self.stderr.write(
                f"Audit chain broken in {len(broken)} of {total} streams: {', '.join(broken)}"
            )
            raise SystemExit(1)
        self.stdout.write(f"Audit chain intact: {total} streams verified.")
