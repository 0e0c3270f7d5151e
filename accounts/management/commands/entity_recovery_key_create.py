"""Make an entity's recovery key pair and show its private half once (issue 14).

Every shared report of the entity is wrapped to this key too, so that the entity can give its
staff back what they read when they lose their own keys. Its private half is stored nowhere.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Entity
from accounts.services import entity_recovery_key_issue
from vault.models import RecipientKey

WARNING = (
    "This is shown once and stored nowhere. Write it down or print it now and keep it offline "
    "(a safe, not a computer). Without it, reports whose readers all lost their keys cannot "
    "be read again."
)
SHARES_WARNING = (
    "These two shares are shown once and stored nowhere. Give each to a different officer, to "
    "keep offline (a safe, not a computer): both are needed together, and neither alone "
    "reveals anything."
)


class Command(BaseCommand):
    help = (
        "Make an entity's recovery key pair and print its private key once (or, with --shares, "
        "two shares for two officers). Refuses if the entity already has one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--entity", help="the entity's code, e.g. UNW")
        which.add_argument(
            "--all-missing", action="store_true", help="every entity that has no recovery key"
        )
        parser.add_argument(
            "--shares", action="store_true", help="print two shares instead of the whole key"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all_missing"]:
            with_key = RecipientKey.objects.filter(entity__isnull=False).values("entity_id")
            entities = list(Entity.objects.exclude(pk__in=with_key).order_by("code"))
            if not entities:
                self.stdout.write("Every entity has a recovery key already.")
                return
        else:
            entity = Entity.objects.filter(code=options["entity"]).first()
            if entity is None:
                raise CommandError(f"No entity with code {options['entity']!r}.")
            if RecipientKey.objects.filter(entity=entity).exists():
                raise CommandError(
                    f"{entity.code} already has a recovery key; nothing was changed."
                )
            entities = [entity]
        for entity in entities:
            self._issue(entity, shares=options["shares"])

    def _issue(self, entity: Entity, *, shares: bool) -> None:
        issued = entity_recovery_key_issue(entity=entity)
        self.stdout.write(f"\nRecovery key of {entity.code} ({entity.name}):")
        # The one place a private key is printed: this command exists to hand it over.
        if shares:
            self.stdout.write(f"  Share 1 (first officer):  {issued.shares[0]}")
            self.stdout.write(f"  Share 2 (second officer): {issued.shares[1]}")
            self.stdout.write(SHARES_WARNING)
        else:
            self.stdout.write(f"  {issued.private_key}")
            self.stdout.write(WARNING)
