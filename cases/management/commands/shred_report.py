"""Crypto-shred one report: destroy its data key so nothing it protected can be read again, and
close its case (closure reason ``shredded``)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.services.shredding import report_shred
from reports.models import Report


class Command(BaseCommand):
    help = "Destroy one report's data key (crypto-shredding). Irreversible."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference", help="the report's reference, e.g. R-7K3M9QAB")
        parser.add_argument("--yes", action="store_true", help="confirm that this is irreversible")

    def handle(self, *args: Any, **options: Any) -> None:
        report = Report.objects.filter(reference=options["reference"]).first()
        if report is None:
            raise CommandError(f"No report with reference {options['reference']!r}.")
        if not options["yes"]:
            raise CommandError("Shredding cannot be undone. Run again with --yes to confirm.")
        case = report_shred(report=report, actor=None)
        closed = " Its case is closed." if case is not None else ""
        self.stdout.write(
            f"Report {report.reference} shredded: its content can no longer be read.{closed}"
        )
