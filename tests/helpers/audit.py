"""The audit trail of a case, as the tests read it, and tampered with as a database superuser
could."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from audit.models import AuditEntry
from cases.models import Case


def audit_length(case: Case) -> int:
    """How many entries the case's report has in its audit stream."""
    return AuditEntry.objects.filter(stream=str(case.report_id)).count()


def audit_actions_since(case: Case, before: int) -> list[str]:
    """The actions of the case's audit stream after its first ``before`` entries, in order."""
    entries = AuditEntry.objects.filter(stream=str(case.report_id)).order_by("position")
    return [entry.action for entry in entries[before:]]


@contextmanager
def past_the_audit_triggers() -> Iterator[None]:
    """Ordinary triggers, the audit tables' guards among them, do not fire in replica mode,
    which only a superuser may set: the application's role cannot do what follows."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")
