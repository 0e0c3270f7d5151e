from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from stats.services import release_due


class Command(BaseCommand):
    help = (
        "Write the statistics releases that are due (each completed quarter, once) and recount "
        "those that a withdrawn statistics consent has changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--include-current-quarter",
            action="store_true",
            help="Also release the quarter in progress (demonstrations and tests only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        done = release_due(include_current_quarter=options["include_current_quarter"])
        if done:
            self.stdout.write("Released or recounted: " + ", ".join(done))
        else:
            self.stdout.write("Nothing was due.")
