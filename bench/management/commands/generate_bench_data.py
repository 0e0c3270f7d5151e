"""``generate_bench_data``: ``generate_stats_data``'s reports, really encrypted, with key wraps,
messages, timeline and a valid audit trail, and focal points who can sign in and read them.
See ``bench.scale_data`` for what is real and what is not."""

from __future__ import annotations

import base64
import json
import os
import resource
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Q
from psycopg import sql

from accounts.models import Entity, Role
from accounts.services import staff_user_provision
from audit.models import AuditCheckpoint, AuditCheckpointStream, AuditEntry, AuditStreamHead
from bench.scale_data import (
    BENCH_TABLES,
    SHOWCASE_MESSAGES,
    BenchGenerator,
    EntityStaff,
    SharedReceiptKey,
    chunk_rows,
)
from stats.management.commands.generate_stats_data import (
    ENTITY_NAME_PREFIX,
    EntityProfile,
    Generator,
    Table,
    copy_rows,
    midnight,
)
from stats.management.commands.generate_stats_data import Command as StatisticsDataCommand
from vault import crypto, envelope, readers
from vault.models import RecipientKey

STAFF_PREFIX = "scale_"
# Audit entries per report by default: what the benchmark asks of 1,000,000 reports.
AUDIT_ENTRIES_PER_REPORT = 5


class Command(StatisticsDataCommand):
    tables = BENCH_TABLES
    staff_prefix = STAFF_PREFIX
    # A report brings some thirty rows here, against six for statistics: fewer at a time keep
    # the batch's memory as small.
    chunk = 2_000
    help = (
        "Fill the database with realistic entities, focal points who can sign in, and reports "
        "really encrypted with their key wraps, consents, cases, messages, timeline and a "
        "valid audit trail, by bulk COPY (PostgreSQL only). Refuses with DEBUG off and when "
        "reports exist, unless --force, which first empties the report, case, statistics and "
        "audit tables and removes the entities and staff an earlier run made."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--audit-entries",
            type=int,
            help=f"audit entries in all (default {AUDIT_ENTRIES_PER_REPORT} per report)",
        )
        parser.add_argument(
            "--password",
            help="every generated focal point's password (default: a random one, printed)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes drawing and encrypting reports (default: one per core)",
        )
        parser.add_argument("--json", action="store_true", help="print the accounts as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        audit_entries = options["audit_entries"]
        if audit_entries is None:
            audit_entries = AUDIT_ENTRIES_PER_REPORT * options["reports"]
        if audit_entries < 0 or options["reports"] < 1:
            raise CommandError("--audit-entries must be at least 0, --reports at least 1.")
        self.audit_per_report = audit_entries / options["reports"]
        self.password = options["password"] or (
            "scale-" + base64.b32encode(os.urandom(10)).decode().lower()
        )
        self.accounts: list[dict[str, str]] = []
        self.entity_staff: dict[int, EntityStaff] = {}
        self.generator: BenchGenerator | None = None
        self.workers = max(1, options["workers"])
        super().handle(*args, **options)
        self._accounts_summary(as_json=options["json"])

    def _clear(self, cursor: CursorWrapper) -> None:
        # The audit trail refuses to be emptied (its triggers): a benchmark database is the
        # one place where starting again is the point, so the refusal is lifted for this
        # transaction only. The staff's entries reference the staff about to be removed.
        audit_models = (AuditEntry, AuditStreamHead, AuditCheckpoint, AuditCheckpointStream)
        tables = [model._meta.db_table for model in audit_models]
        for table in tables:
            cursor.execute(
                sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.Identifier(table))
            )
        cursor.execute(
            sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(map(sql.Identifier, tables)))
        )
        for table in tables:
            cursor.execute(
                sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(sql.Identifier(table))
            )
        super()._clear(cursor)

    def _remove_generated_staff(self) -> None:
        # Deleted first: the deletion of their users and entities does not reach them in time
        # for the constraints this command checks at once (SET CONSTRAINTS ALL IMMEDIATE).
        RecipientKey.objects.filter(
            Q(user__username__startswith=self.staff_prefix)
            | Q(entity__name__startswith=ENTITY_NAME_PREFIX)
        ).delete()
        super()._remove_generated_staff()

    def _focal_points(self, entity: Entity) -> tuple[int, int]:
        users = []
        recipients = []
        for number in (1, 2):
            user, totp_secret = staff_user_provision(
                username=f"{self.staff_prefix}{entity.code.lower()}_{number}",
                role=Role.FOCAL_POINT,
                entity=entity,
                password=self.password,
            )
            key = RecipientKey.objects.get(user=user)
            users.append(user)
            recipients.append((key.id, bytes(key.public_key)))
            self.accounts.append(
                {"username": user.username, "entity": entity.code, "totp_secret": totp_secret}
            )
        recovery = readers.entity_recovery_key_create(entity_id=entity.pk).key
        recipients.append((recovery.id, bytes(recovery.public_key)))
        self.entity_staff[entity.pk] = EntityStaff(
            usernames={user.pk: user.username for user in users}, recipients=recipients
        )
        return users[0].pk, users[1].pk

    def _generator(self, options: dict[str, Any], profiles: list[EntityProfile]) -> Generator:
        # One Argon2id derivation for every receipt wrapping (see bench.scale_data).
        receipt = "BENCH-" + base64.b32encode(os.urandom(10)).decode()
        salt = crypto.new_salt()
        self.receipt = SharedReceiptKey(
            receipt=receipt, salt=salt, key=envelope.receipt_key(receipt, salt)
        )
        self.generator = BenchGenerator(
            seed=options["seed"],
            now=midnight(self._today()),
            entities=profiles,
            staff=self.entity_staff,
            receipt=self.receipt,
            audit_entries_per_report=self.audit_per_report,
        )
        return self.generator

    def _load(self, raw_cursor: Any, generator: Generator, reports: int) -> dict[Table, int]:
        if not isinstance(generator, BenchGenerator):
            raise TypeError("generate_bench_data loads what its own generator draws")
        counts = dict.fromkeys(self.tables, 0)
        chunks = [
            (first, min(reports, first + self.chunk)) for first in range(0, reports, self.chunk)
        ]
        for drawn in chunk_rows(generator, chunks, self.workers):
            for table, rows in zip(self.tables, drawn.rows, strict=True):
                copy_rows(raw_cursor, table, rows)
                counts[table] += len(rows)
            if drawn.showcase is not None:
                generator.showcase = drawn.showcase
        return counts

    def _accounts_summary(self, *, as_json: bool) -> None:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        showcase = None
        if self.generator is not None and self.generator.showcase is not None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reference FROM reports_report WHERE id = %s",
                    [self.generator.showcase],
                )
                showcase = cursor.fetchone()[0]
        summary = {
            "password": self.password,
            "accounts": self.accounts,
            "receipt_of_every_receipt_wrap": self.receipt.receipt,
            "case_with_200_messages": showcase,
            "peak_memory_mb": round(peak_mb),
        }
        if as_json:
            self.stdout.write(json.dumps(summary))
            return
        self.stdout.write(f"Peak memory (RSS): {peak_mb:.0f} MB.")
        self.stdout.write(f"Focal points (password {self.password!r}; TOTP secrets):")
        for account in self.accounts:
            self.stdout.write(
                f"  {account['username']:<16} {account['entity']:<5} {account['totp_secret']}"
            )
        self.stdout.write(f"Case with {SHOWCASE_MESSAGES} messages: {showcase}.")
        self.stdout.write(
            f"Every receipt wrapping is under receipt {self.receipt.receipt!r} (one Argon2id "
            "derivation); the receipt indexes are random, so the portal opens none."
        )
