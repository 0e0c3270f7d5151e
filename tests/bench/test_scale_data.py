"""``manage.py generate_bench_data`` (issue 15): benchmark data as the service would have written
it, really encrypted: a generated focal point opens a generated case through the service's own
read path, and the generated audit trail verifies."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from accounts.services import staff_reading_key_unlock
from audit.models import AuditCheckpointStream, AuditEntry, AuditStreamHead
from audit.services import SYSTEM_STREAM
from cases.models import Case
from cases.readers import readers_of
from cases.services.reading import case_read
from cases.vocabulary import CaseState
from reports.models import Consent, Message, Report, TimelineEntry
from vault import readers
from vault.models import DataKey, KeyWrap

# The command commits, copies and vacuums: it cannot run inside a test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "generated-focal-point-password"
REPORTS = 1500
# More than the stories give by themselves (about seven a report): audited reads make up the rest.
AUDIT_ENTRIES = 10 * REPORTS


@pytest.fixture
def generated() -> dict[str, Any]:
    out = io.StringIO()
    call_command(
        "generate_bench_data",
        "--reports",
        str(REPORTS),
        "--entities",
        "3",
        "--years",
        "2",
        "--seed",
        "3",
        "--password",
        PASSWORD,
        "--audit-entries",
        str(AUDIT_ENTRIES),
        "--workers",
        "2",
        "--force",
        "--json",
        stdout=out,
    )
    summary: dict[str, Any] = json.loads(out.getvalue().strip().splitlines()[-1])
    return summary


def test_every_table_is_filled_in_proportion(generated: dict[str, Any]) -> None:
    assert Report.objects.count() == REPORTS
    assert DataKey.objects.count() == REPORTS
    cases = Case.objects.count()
    # A case for every report whose reporter let the organisation review it, and only those
    # are shared: wrapped to the entity's two focal points and its recovery key.
    assert REPORTS * 0.5 < cases < REPORTS * 0.9
    assert DataKey.objects.filter(shared=True).count() == cases
    assert KeyWrap.objects.filter(kind=KeyWrap.Kind.RECEIPT).count() == REPORTS
    assert KeyWrap.objects.filter(kind=KeyWrap.Kind.RECIPIENT).count() == 3 * cases
    assert not KeyWrap.objects.filter(kind=KeyWrap.Kind.ORGANISATION).exists()
    assert Consent.objects.count() > 2 * REPORTS
    # Most cases have a few messages or none; one has 200.
    assert REPORTS < Message.objects.count() < 6 * REPORTS
    assert TimelineEntry.objects.count() > 3 * REPORTS
    # The audit trail is as long as asked, within the few entries of the last cases.
    assert abs(AuditEntry.objects.count() - AUDIT_ENTRIES) < AUDIT_ENTRIES * 0.02
    assert AuditStreamHead.objects.exclude(stream=SYSTEM_STREAM).count() == REPORTS
    assert generated["peak_memory_mb"] > 0


def test_cases_stand_in_every_state(generated: dict[str, Any]) -> None:
    states = set(Case.objects.values_list("state", flat=True).distinct())
    assert states == set(CaseState.values)


def test_a_generated_focal_point_opens_the_case_with_200_messages(
    generated: dict[str, Any],
) -> None:
    # Given the case with 200 messages and a focal point of its entity, signed in
    case = Case.objects.select_related("report", "report__data_key").get(
        report__reference=generated["case_with_200_messages"]
    )
    focal_point = User.objects.get(
        username=next(
            account["username"]
            for account in generated["accounts"]
            if account["entity"] == case.entity.code
        )
    )
    unlocked = staff_reading_key_unlock(focal_point, PASSWORD)
    assert unlocked is not None
    readers.attach(focal_point, unlocked)

    # When they open it through the service's read path
    content = case_read(case=case, actor=focal_point)

    # Then everything decrypts with their own key, and the key went to whom the rules name
    assert not content["key_missing"]
    assert not content["sealed"]
    assert content["narrative"]
    # The case read carries its latest page of messages, the earlier ones a cursor away.
    assert case.report.messages.count() == 200
    assert len(content["messages"]) == 50
    assert content["messages_earlier"] is not None
    assert all(message["body"] for message in content["messages"])
    wrapped_to = set(
        KeyWrap.objects.filter(
            data_key=case.report.data_key, recipient__user__isnull=False
        ).values_list("recipient__user__username", flat=True)
    )
    assert wrapped_to == {user.username for user in readers_of(case)}


def test_a_focal_point_of_another_entity_holds_no_key(generated: dict[str, Any]) -> None:
    case = Case.objects.get(report__reference=generated["case_with_200_messages"])
    stranger = next(
        account for account in generated["accounts"] if account["entity"] != case.entity.code
    )
    assert not KeyWrap.objects.filter(
        data_key__report__case=case, recipient__user__username=stranger["username"]
    ).exists()


def test_the_generated_audit_trail_verifies(
    generated: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    # Checkpoints written over it too: they refuse a head whose tag is not its stream's.
    settings.UPSTANDER_AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.log")
    call_command("audit_checkpoint", stdout=io.StringIO())
    call_command("audit_checkpoint", stdout=io.StringIO())
    assert AuditCheckpointStream.objects.count() == REPORTS + 1
    out = io.StringIO()
    call_command("verify_audit_chain", stdout=out)
    assert f"Audit chain intact: {REPORTS + 1} streams verified." in out.getvalue()


def test_a_tampered_generated_entry_is_caught(generated: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        cursor.execute(
            'UPDATE audit_auditentry SET detail = \'{"route": "formal"}\' WHERE id = '
            "(SELECT id FROM audit_auditentry WHERE action = 'report.submitted' LIMIT 1)"
        )
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
    with pytest.raises(SystemExit):
        call_command("verify_audit_chain", stdout=io.StringIO(), stderr=io.StringIO())
