"""Append a checkpoint of the whole audit trail to the export target (issue 10)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import CheckpointError, checkpoint_create


class Command(BaseCommand):
    help = (
        "Pin every audit stream's length and last hash in a keyed checkpoint chained to the "
        "previous one, and append it to UPSTANDER_AUDIT_CHECKPOINT_FILE and/or _SYSLOG."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoint = checkpoint_create()
        except (CheckpointError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Audit checkpoint {checkpoint.sequence} written.")
