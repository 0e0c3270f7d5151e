"""Rewrap every data key under the current key-encryption key (the first in UPSTANDER_KEKS)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vault.envelope import kek_rotate
from vault.keyring import server_keyring


class Command(BaseCommand):
    help = (
        "Rewrap all organisation wrappings under the current KEK. Put the new key first in "
        "UPSTANDER_KEKS, keep the old one after it, run this, then remove the old one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            self.stderr.write("--batch-size must be at least 1.")
            raise SystemExit(2)
        current = server_keyring().current.version
        changed = kek_rotate(batch_size=options["batch_size"])
        self.stdout.write(f"Rewrapped {changed} data keys under KEK version {current!r}.")
