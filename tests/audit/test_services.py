"""The audit trail (``audit.services``): every action leaves an entry without content, entries
are chained with a keyed hash, and tampering, deletion or an emptied trail is detected."""

from __future__ import annotations

import hashlib
import importlib
import json
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AuditAction, AuditEntry, AuditStreamHead
from audit.services import (
    GENESIS,
    audit_record,
    canonical_of,
    entry_canonical,
    stream_is_valid,
    trail_verify,
)
from demo.directory import demo_directory_create
from tests.helpers.audit import past_the_audit_triggers
from tests.helpers.reporter import WORKFLOW_CONSENTS, consent_change, receipt_of, sign_in

pytestmark = pytest.mark.django_db
CANARY = "CANARY-AUDIT-NARRATIVE-31337"


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
    with past_the_audit_triggers():  # as a database superuser could
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
    with past_the_audit_triggers():
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
    case = open_case()
    client = staff_api(focal_point)
    _walk(case, client)
    stream = str(case.report_id)
    # An attacker with database write access drops an entry and recomputes every hash (and
    # the head) with plain SHA-256, as an unkeyed chain would allow.
    with past_the_audit_triggers():
        AuditEntry.objects.filter(stream=stream, action="message.from_staff").delete()
        previous = GENESIS
        for position, entry in enumerate(
            AuditEntry.objects.filter(stream=stream).order_by("position"), start=1
        ):
            entry.position = position
            canonical = entry_canonical(entry)
            forged = hashlib.sha256((previous + canonical).encode()).hexdigest()
            AuditEntry.objects.filter(pk=entry.pk).update(
                position=position, previous_hash=previous, entry_hash=forged
            )
            previous = forged
        AuditStreamHead.objects.filter(stream=stream).update(last_hash=previous, length=position)
    assert client.get(f"/api/v1/cases/{case.id}/audit").json()["chain_valid"] is False


def test_an_emptied_audit_stream_is_detected(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    """Regression (second case-workflow review, fixed in cf4798b): a trail emptied (once with
    TRUNCATE, which row triggers do not see) is detected by the API and by verify_audit_chain."""
    case = open_case()
    with past_the_audit_triggers():  # TRUNCATE itself is refused since issue 10
        AuditEntry.objects.all().delete()
        AuditStreamHead.objects.all().delete()
    assert (
        staff_api(focal_point).get(f"/api/v1/cases/{case.id}/audit").json()["chain_valid"] is False
    )
    with pytest.raises(SystemExit):
        call_command("verify_audit_chain", stderr=StringIO())


def test_every_case_action_is_audited(
    open_case: Any, focal_point: Any, staff_api: Any, entity: Any
) -> None:
    demo_directory_create(entities=[entity])
    case = open_case(consents=WORKFLOW_CONSENTS)
    reporter = sign_in(receipt_of(case))
    client = staff_api(focal_point)
    consent_change(reporter, "statistics", granted=True)
    reporter.post("/api/v1/reporter/messages", {"body": "Thank you"}, format="json")
    client.post(
        f"/api/v1/cases/{case.id}/referrals", {"service": "staff_counsellor"}, format="json"
    )
    client.get(f"/api/v1/cases/{case.id}/audit")
    actions = list(
        AuditEntry.objects.filter(stream=str(case.report_id)).values_list("action", flat=True)
    )
    for expected in ("consent.granted", "message.from_reporter", "referral.made", "audit.exported"):
        assert expected in actions, expected


def _cut_tail(stream: str, keep: int) -> None:
    """Drop a stream's entries after the first ``keep`` and set its head back to the new last
    entry, as someone with the database but without the server key would (issue 10)."""
    kept = AuditEntry.objects.get(stream=stream, position=keep)
    with past_the_audit_triggers():
        AuditEntry.objects.filter(stream=stream, position__gt=keep).delete()
        AuditStreamHead.objects.filter(stream=stream).update(last_hash=kept.entry_hash, length=keep)


def test_a_tail_cut_with_its_head_set_back_is_detected(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    """Regression (issue 10): the last entries of a case's stream deleted and its head rolled
    back to the new last entry passed both checks."""
    case = open_case()
    client = staff_api(focal_point)
    _walk(case, client)
    stream = str(case.report_id)
    _cut_tail(stream, keep=AuditEntry.objects.filter(stream=stream).count() - 2)

    assert client.get(f"/api/v1/cases/{case.id}/audit").json()["chain_valid"] is False
    err = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verify_audit_chain", stderr=err)
    assert exited.value.code == 1
    assert stream in err.getvalue()


def test_a_deleted_head_row_is_detected(open_case: Any, focal_point: Any, staff_api: Any) -> None:
    """Regression (issue 10)."""
    case = open_case()
    with past_the_audit_triggers():
        AuditStreamHead.objects.filter(stream=str(case.report_id)).delete()
    assert (
        staff_api(focal_point).get(f"/api/v1/cases/{case.id}/audit").json()["chain_valid"] is False
    )
    with pytest.raises(SystemExit):
        call_command("verify_audit_chain", stderr=StringIO())


@pytest.mark.parametrize(
    "table",
    [
        "audit_auditentry",
        "audit_auditstreamhead",
        "audit_auditcheckpoint",
        "audit_auditcheckpointstream",
    ],
)
def test_the_database_refuses_to_truncate_an_audit_table(
    open_case: Any, table: str, settings: Any, tmp_path: Any
) -> None:
    """Regression (issue 10): TRUNCATE, which row triggers do not see, emptied the trail."""
    settings.UPSTANDER_AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.log")
    open_case()
    call_command("audit_checkpoint", stdout=StringIO())
    with connection.cursor() as cursor:
        # Pending deferred foreign-key checks would refuse the TRUNCATE first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(DatabaseError, match="cannot be truncated"), transaction.atomic():
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEntry.objects.exists()
    assert AuditStreamHead.objects.exists()


def test_the_database_refuses_to_delete_a_head_or_set_it_back(open_case: Any) -> None:
    """Regression (issue 10): the application keeps UPDATE on heads, so the database lets a
    head move only to the entry appended after it."""
    case = open_case()
    stream = str(case.report_id)
    head = AuditStreamHead.objects.get(stream=stream)
    first = AuditEntry.objects.get(stream=stream, position=1)
    assert head.length > 1
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditStreamHead.objects.filter(stream=stream).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditStreamHead.objects.filter(stream=stream).update(last_hash=first.entry_hash, length=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditStreamHead.objects.filter(stream=stream).update(length=head.length + 1)
    assert AuditStreamHead.objects.get(stream=stream).length == head.length


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_still_flushes_the_audit_tables(open_case: Any) -> None:
    """The test suite's flush truncates every table at teardown: it passes the refusal only
    because the suite's superuser runs it in replica mode (tests/conftest.py)."""
    open_case()
    assert AuditEntry.objects.exists()


def test_the_migration_authenticates_the_heads_already_stored(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    """Migration 0004 (issue 10) gives every existing head its keyed digest, so that a trail
    written before it still verifies afterwards."""
    migration = importlib.import_module("audit.migrations.0004_checkpoints")
    case = open_case()
    with past_the_audit_triggers():
        AuditStreamHead.objects.update(head_mac="")
        assert not stream_is_valid(case.report_id)
        migration.heads_authenticate(django_apps, None)
    assert stream_is_valid(case.report_id)


def test_the_canonical_text_is_sorted_json_without_spaces_in_either_form() -> None:
    # Issue 15: written out key by key for speed, it must stay byte for byte what every
    # stored hash was computed over; and the time, given as the text the database writes for
    # the bulk check, gives the same text as the datetime.
    at = datetime(2026, 1, 2, 3, 4, 5, 6789, tzinfo=UTC)
    fields = {
        "stream": "3f1c",
        "position": 3,
        "actor_kind": "staff",
        "actor_id": 7,
        "actor_username": "élodie",
        "action": "case.transition",
        "detail": {"b": [1, {"z": 1, "a": "ü"}], "a": None},
    }
    reference = json.dumps(
        {
            **{key: value for key, value in fields.items() if key != "actor_id"},
            "actor": fields["actor_id"],
            "at": at.isoformat(),
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    assert canonical_of(at=at, **fields) == reference  # type: ignore[arg-type]
    assert canonical_of(at=at.isoformat(), **fields) == reference  # type: ignore[arg-type]


def test_the_bulk_check_writes_each_link_as_the_entry_was_written(
    open_case: Any, focal_point: Any
) -> None:
    """Issue 15: the trail's check writes an entry's text out from the bare columns in one
    expression; an accented name and a nested, unsorted detail must still give the bytes each
    hash was computed over, or every such stream would read as broken."""
    case = open_case()
    focal_point.username = "élodie-ü"
    focal_point.save(update_fields=["username"])
    audit_record(
        stream=case.report_id,
        action=AuditAction.CASE_TRANSITION,
        actor=focal_point,
        detail={"b": [1, {"z": 1, "a": "ü\n"}], "a": None, "n": 1.5, "t": True},
    )
    assert stream_is_valid(case.report_id)
    assert trail_verify().broken == []


@pytest.mark.django_db(transaction=True)
def test_the_check_in_parallel_finds_what_one_process_finds(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    """Issue 15: with several processes, each walks a range of streams in the one snapshot the
    command exports; a broken stream at either end of the order is found, as by one process."""
    client = staff_api(focal_point)
    for _ in range(6):
        _walk(open_case(), client)
    streams = sorted(AuditStreamHead.objects.values_list("stream", flat=True))
    reports = [stream for stream in streams if stream != "system"]
    first, last = reports[0], reports[-1]
    tampered = AuditEntry.objects.filter(stream=first, position=2).get()
    with past_the_audit_triggers():
        AuditEntry.objects.filter(pk=tampered.pk).update(detail={"forged": True})
    _cut_tail(last, keep=AuditEntry.objects.filter(stream=last).count() - 1)

    alone = trail_verify(workers=1)
    for workers in (2, 3):
        together = trail_verify(workers=workers)
        assert (together.streams, together.broken) == (alone.streams, alone.broken)
    assert alone.broken == sorted([first, last])
    assert alone.streams == len(streams)
    # The connection closed before the processes were forked opens again for what follows.
    assert AuditEntry.objects.filter(stream=first).exists()
