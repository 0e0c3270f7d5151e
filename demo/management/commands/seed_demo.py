"""Demo entities, their service directories, staff users (one per role, and a second focal point
for the four-eyes steps) and demonstration cases (demo installations)."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Entity, Role
from accounts.services import (
    entity_recovery_key_issue,
    staff_senior_focal_point_set,
    staff_user_provision,
)
from demo.cases import demo_cases_create
from demo.directory import demo_directory_create
from demo.statistics import demo_statistics_create, demo_statistics_release
from vault import crypto
from vault.keyring import DEVELOPMENT_MARK
from vault.models import RecipientKey


def _demo_password(username: str) -> str:
    """On a demo's development keys, the same password at every run: seeding again keeps each
    demo user's reading key, so the demonstration cases filed before stay readable (issue 14).
    With real keys (``--force``), a new random one each time, as a reset would give."""
    if settings.SECRET_KEY.startswith(DEVELOPMENT_MARK):
        derived = crypto.derive_subkey(settings.SECRET_KEY.encode(), f"demo-password:{username}")
        return base64.urlsafe_b64encode(derived).decode()[:16]
    return secrets.token_urlsafe(12)


DEMO_ENTITIES = [
    ("UNW", "UN Women"),
    ("UNDP", "United Nations Development Programme"),
    ("OCHA", "Office for the Coordination of Humanitarian Affairs"),
]

DEMO_USERS = [
    ("focal_point", Role.FOCAL_POINT, "UNW"),
    # A second focal point of the same entity: overrides and reassignments of a case whose
    # reporter withheld their identity need a second person to approve.
    ("focal_point_2", Role.FOCAL_POINT, "UNW"),
    ("ombudsperson", Role.OMBUDSPERSON, "UNW"),
    ("investigator", Role.INVESTIGATOR, "UNW"),
    ("leadership", Role.LEADERSHIP, "UNW"),
    ("admin", Role.ADMIN, None),
    # Follows the investigated demonstration case, whose reporter brought them in (issue 12).
    ("advocate", Role.VICTIMS_RIGHTS_ADVOCATE, "UNW"),
]
# Public contact of each demo entity's focal point (the support and upstander pages show it).
FOCAL_POINT_CONTACTS = {"UNW": "Focal point office, room 3.14; +1 212 000 0000 (demo)"}


class Command(BaseCommand):
    help = (
        "Create demo entities, one staff user per role (two focal points) and demonstration "
        "cases; print the users' credentials."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print credentials as JSON")
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: it creates accounts with known "
                "passwords. Pass --force if this really is a demo installation."
            )
        entities = {}
        for code, name in DEMO_ENTITIES:
            entities[code], _ = Entity.objects.update_or_create(
                code=code,
                defaults={"name": name, "focal_point_contact": FOCAL_POINT_CONTACTS.get(code, "")},
            )
            if not RecipientKey.objects.filter(entity=entities[code]).exists():
                # Shared demo reports are wrapped to it too; its private half is shown to
                # nobody here (a real entity's is printed once for two officers: README).
                entity_recovery_key_issue(entity=entities[code])

        credentials: list[dict[str, str | None]] = []
        users = {}
        for suffix, role, entity_code in DEMO_USERS:
            password = _demo_password(f"demo_{suffix}")
            entity = entities[entity_code] if entity_code else None
            users[suffix], totp_secret = staff_user_provision(
                username=f"demo_{suffix}", role=role, entity=entity, password=password
            )
            credentials.append(
                {
                    "username": users[suffix].username,
                    "password": password,
                    "role": role.value,
                    "entity": entity_code,
                    "totp_secret": totp_secret,
                }
            )

        # The second focal point is UNW's senior focal point: reports of retaliation reach her.
        staff_senior_focal_point_set(actor=users["admin"], user=users["focal_point_2"], senior=True)
        demo_directory_create(entities=list(entities.values()))
        # Reports over the past quarters, for the dashboard and transparency report; then the
        # demonstration cases, which are back-dated too: both are filed before the quarters are
        # released, so the released numbers count them all.
        seeded = demo_statistics_create()
        cases_seeded = demo_cases_create(
            entity=entities[DEMO_ENTITIES[0][0]],
            focal_point=users["focal_point"],
            investigator=users["investigator"],
        )
        if seeded:
            demo_statistics_release(leadership=users["leadership"])

        if options["json"]:
            self.stdout.write(json.dumps({"users": credentials}, indent=2))
            return
        if seeded:
            self.stdout.write("Demo reports filed over the past quarters, and released statistics.")
        if cases_seeded:
            self.stdout.write(
                "Demonstration cases filed in UNW, labelled 'demo' (narratives start with [Demo])."
            )
        self.stdout.write("Demo staff accounts (password / TOTP secret for an authenticator app):")
        for row in credentials:
            self.stdout.write(
                f"  {row['username']:<20} {row['role']:<13} {row['entity'] or '-':<5} "
                f"{row['password']}  {row['totp_secret']}"
            )
