"""The recovery ceremony: with an entity's recovery key, give a named colleague back their
reading rights to the entity's cases (``cases.services.recovery``).

The key is read from standard input, never from the command line, which other users of the
machine can see in the process list; at a terminal it is not echoed.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.services.recovery import RecoveryRefusedError, recover_access
from vault.readers import WrongRecoveryKeyError


class Command(BaseCommand):
    help = (
        "Give USERNAME back the reading rights the rules give them to ENTITY's cases, with the "
        "entity's recovery key (or its two shares, with --shares) typed on standard input."
    )
    # ``call_command(..., stdin=...)`` in tests; the terminal or a pipe otherwise.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entity", required=True, help="the entity's code, e.g. UNW")
        parser.add_argument("--user", required=True, help="the colleague's username")
        parser.add_argument(
            "--shares",
            action="store_true",
            help="read the key as two shares, one after the other, instead of whole",
        )

    def _read(self, stream: TextIO, prompt: str) -> str:
        if stream.isatty():
            return getpass.getpass(prompt, stream=sys.stderr)
        self.stderr.write(prompt, ending="")
        return stream.readline().strip()

    def handle(self, *args: Any, **options: Any) -> None:
        stream: TextIO = options.get("stdin") or sys.stdin
        if options["shares"]:
            parts = [
                self._read(stream, "First share: "),
                self._read(stream, "Second share: "),
            ]
        else:
            parts = [self._read(stream, "Recovery key: ")]
        if not all(parts):
            raise CommandError("No recovery key was given: nothing was changed.")
        try:
            outcome = recover_access(
                entity_code=options["entity"], username=options["user"], recovery_key_parts=parts
            )
        except RecoveryRefusedError as refused:
            raise CommandError(f"{refused} Nothing was changed.") from None
        except WrongRecoveryKeyError:
            raise CommandError(
                f"This is not the recovery key of {options['entity']}"
                + (" (or the two shares do not belong together)" if options["shares"] else "")
                + ": nothing was changed."
            ) from None
        self.stdout.write(
            f"{outcome.user.username} was given back reading rights to "
            f"{outcome.cases_regranted} case(s) of {outcome.entity.code}. The ceremony is audited."
        )
