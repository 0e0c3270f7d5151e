"""Move every shared report from the server's key to its readers' keys (issue 14, item 7)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.services.key_migration import (
    DEFAULT_BATCH_SIZE,
    MoveWouldLockOutError,
    move_readiness,
    organisation_wraps_move,
)


class Command(BaseCommand):
    help = (
        "Wrap the data key of every report shared under the server's KEK to each staff member "
        "who may read it and to the entity's recovery key, then delete the server's wrap. "
        "Resumable: run it again after an interruption. Run after every entity has a recovery "
        "key (entity_recovery_key_create) and every reader has signed in once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument(
            "--limit", type=int, default=None, help="stop after this many reports (resume later)"
        )
        parser.add_argument(
            "--allow-unenrolled",
            action="store_true",
            help=(
                "move even though some readers have no reading key yet: a colleague passes "
                "them the key when either signs in"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        limit: int | None = options["limit"]
        if batch_size < 1 or (limit is not None and limit < 1):
            raise CommandError("--batch-size and --limit must be at least 1.")
        readiness = move_readiness(batch_size=batch_size)
        if readiness.entities_without_recovery_key:
            raise CommandError(
                "Nothing was moved. These entities have shared reports but no recovery key: "
                + ", ".join(readiness.entities_without_recovery_key)
                + ". Create one first: manage.py entity_recovery_key_create --all-missing"
            )
        if readiness.readers_without_key and not options["allow_unenrolled"]:
            waiting = "\n".join(
                f"  {username}: {count} report(s)"
                for username, count in sorted(readiness.readers_without_key.items())
            )
            raise CommandError(
                "Nothing was moved. These readers have no reading key yet (they have not signed "
                f"in since the upgrade):\n{waiting}\nAsk them to sign in once, or run again with "
                "--allow-unenrolled: they then get each report's key from a colleague who holds "
                "it, when either signs in."
            )
        try:
            result = organisation_wraps_move(batch_size=batch_size, limit=limit)
        except MoveWouldLockOutError as error:
            # Only a recovery key deleted while the run went on gets here: the reports moved
            # before it stay moved, this one and the rest keep the server's wrap.
            raise CommandError(
                f"Stopped at report {error}: it would be left with no key holder at all. "
                "Check the entities' recovery keys, then run again."
            ) from None
        self.stdout.write(
            f"Reports moved: {result.reports_moved}. Wraps made: {result.wraps_made}. "
            f"Sealed (no case): {result.sealed_without_case}. "
            f"Seconds: {result.seconds:.1f}."
        )
        if result.skipped:
            self.stderr.write(
                f"{len(result.skipped)} data key(s) wrapped under the server's key belong to no "
                "report; they were left as they are."
            )
