"""The audit trail: every action leaves an entry, entries are chained, tampering is detected."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry

pytestmark = pytest.mark.django_db
CANARY = "CANARY-AUDIT-NARRATIVE-31337"


@contextmanager
def append_only_trigger_disabled() -> Iterator[None]:
    with connection.cursor() as cursor:
        # Deferred foreign-key checks must run first: ALTER TABLE refuses pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
    yield
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


def _walk(case: Any, client: Any) -> None:
    client.get(f"/api/v1/cases/{case.id}")
    client.post(f"/api/v1/cases/{case.id}/transitions/acknowledge", {}, format="json")
    client.post(
        f"/api/v1/cases/{case.id}/messages", {"body": "We received your report."}, format="json"
    )


def test_actions_are_audited_without_content(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = open_case(narrative=CANARY)
    client = staff_api(focal_point)
    _walk(case, client)
    body = client.get(f"/api/v1/cases/{case.id}/audit").json()
    actions = [entry["action"] for entry in body["entries"]]
    for expected in (
        "report.submitted",
        "case.opened",
        "case.decrypted_read",
        "case.transition",
        "message.from_staff",
    ):
        assert expected in actions
    assert body["chain_valid"] is True
    assert CANARY not in str(body)
    assert not AuditEntry.objects.filter(detail__icontains=CANARY).exists()


def test_a_tampered_entry_breaks_the_chain(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = open_case()
    client = staff_api(focal_point)
    _walk(case, client)
    entry = AuditEntry.objects.filter(stream=str(case.report_id), action="case.transition").get()
    with append_only_trigger_disabled():  # as a database superuser could
        AuditEntry.objects.filter(pk=entry.pk).update(detail={**entry.detail, "to": "closed"})

    assert client.get(f"/api/v1/cases/{case.id}/audit").json()["chain_valid"] is False
    err = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verify_audit_chain", stderr=err)
    assert exited.value.code == 1
    assert str(case.report_id) in err.getvalue()


def test_a_deleted_entry_breaks_the_chain(open_case: Any, focal_point: Any, staff_api: Any) -> None:
    case = open_case()
    client = staff_api(focal_point)
    _walk(case, client)
    with append_only_trigger_disabled():
        AuditEntry.objects.filter(stream=str(case.report_id), action="message.from_staff").delete()
    assert client.get(f"/api/v1/cases/{case.id}/audit").json()["chain_valid"] is False


def test_verify_command_passes_on_an_intact_trail(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    _walk(open_case(), staff_api(focal_point))
    out = StringIO()
    call_command("verify_audit_chain", stdout=out)
    assert "intact" in out.getvalue()


def test_the_database_refuses_to_change_or_delete_an_entry(open_case: Any) -> None:
    case = open_case()
    entry = AuditEntry.objects.filter(stream=str(case.report_id)).first()
    assert entry is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing.happened")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == entry.action


def test_a_whole_stream_rewritten_without_the_server_key_is_detected(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    from audit.models import AuditStreamHead
    from audit.services import GENESIS

    case = open_case()
    client = staff_api(focal_point)
    _walk(case, client)
    stream = str(case.report_id)
    # An attacker with database write access drops an entry and recomputes every hash (and
    # the head) with plain SHA-256, as an unkeyed chain would allow.
    with append_only_trigger_disabled():
        AuditEntry.objects.filter(stream=stream, action="message.from_staff").delete()
        previous = GENESIS
        for position, entry in enumerate(
            AuditEntry.objects.filter(stream=stream).order_by("position"), start=1
        ):
            canonical = json.dumps(
                {
                    "stream": entry.stream,
                    "position": position,
                    "at": entry.at.isoformat(),
                    "actor_kind": entry.actor_kind,
                    "actor": entry.actor_id,
                    "actor_username": entry.actor_username,
                    "action": entry.action,
                    "detail": entry.detail,
                },
                sort_keys=True,
                separators=(",", ":"),
                default=str,
            )
            forged = hashlib.sha256((previous + canonical).encode()).hexdigest()
            AuditEntry.objects.filter(pk=entry.pk).update(
                position=position, previous_hash=previous, entry_hash=forged
            )
            previous = forged
        AuditStreamHead.objects.filter(stream=stream).update(last_hash=previous, length=position)
    assert client.get(f"/api/v1/cases/{case.id}/audit").json()["chain_valid"] is False
