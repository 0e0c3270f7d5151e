"""The README's database role (issue 10): run as it, the service still audits and writes
checkpoints, but cannot update, delete or truncate the audit tables, set a head back, disable
a trigger or switch triggers off. The grants are read from the README, so it stays true."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from audit.checkpoints import checkpoint_create
from audit.models import AuditAction, AuditCheckpointStream, AuditEntry
from audit.services import SYSTEM_STREAM, audit_record

pytestmark = pytest.mark.django_db
README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_grants(role: str) -> str:
    blocks = re.findall(r"```sql\n(.*?)```", README.read_text(), flags=re.DOTALL)
    (grants,) = [str(block) for block in blocks if block.startswith("-- After every migrate")]
    return grants.replace("upstander_app", role)


@pytest.fixture
def as_application_role() -> Iterator[None]:
    """Creates the role in the test's transaction (rolled back with it) and acts as it."""
    role = f"upstander_app_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cursor.execute(_readme_grants(role))
        cursor.execute(f"SET ROLE {role}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def _refusal(sql: str, params: list[Any] | None = None) -> str:
    """Why the database refused the statement ("" if it did not)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as error:
        return str(error)
    return ""


def test_the_application_role_audits_and_checkpoints_but_cannot_cut_the_trail(
    open_case: Any, focal_point: Any, settings: Any, tmp_path: Path, as_application_role: None
) -> None:
    settings.UPSTANDER_AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.log")
    case = open_case()
    stream = str(case.report_id)

    # Given the role's grants, the service's own writes still work.
    audit_record(stream=SYSTEM_STREAM, action=AuditAction.STAFF_LOGIN, actor=focal_point)
    checkpoint_create()
    checkpoint_create()  # clears the first one's detail
    first = AuditEntry.objects.get(stream=stream, position=1)

    # The grants refuse what would cut the trail, before any trigger has to.
    for table in ("audit_auditentry", "audit_auditstreamhead", "audit_auditcheckpoint"):
        assert "permission denied" in _refusal(f"TRUNCATE {table}"), table
        # The table names are this test's own constants.
        assert "permission denied" in _refusal(f"DELETE FROM {table}"), table  # noqa: S608
        assert "must be owner" in _refusal(f"ALTER TABLE {table} DISABLE TRIGGER ALL"), table
    assert "permission denied" in _refusal("UPDATE audit_auditentry SET action = 'x.y'")
    assert "permission denied" in _refusal("UPDATE audit_auditstreamhead SET stream = 'x'")
    assert "permission denied" in _refusal("UPDATE audit_auditstreamhead SET tag = ''")
    assert "permission denied" in _refusal("UPDATE audit_auditcheckpoint SET digest = ''")
    # The checkpoint detail: a superseded checkpoint's is deleted, the latest's is kept.
    assert not AuditCheckpointStream.objects.filter(checkpoint_id=1).exists()
    assert "permission denied" in _refusal("UPDATE audit_auditcheckpointstream SET length = 1")
    assert "permission denied" in _refusal("TRUNCATE audit_auditcheckpointstream")
    assert "the latest audit checkpoint keeps its detail" in _refusal(
        "DELETE FROM audit_auditcheckpointstream WHERE checkpoint_id = 2"
    )
    assert AuditCheckpointStream.objects.filter(checkpoint_id=2).count() == 2
    assert "permission denied" in _refusal("SET session_replication_role = replica")
    # What heads keep (UPDATE of their moving columns) the trigger holds to moving forward.
    assert "only moves to the entry appended after it" in _refusal(
        "UPDATE audit_auditstreamhead SET last_hash = %s, length = 1 WHERE stream = %s",
        [first.entry_hash, stream],
    )
    assert AuditEntry.objects.filter(stream=stream).count() > 1
