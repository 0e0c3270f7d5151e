"""The audit trail: every action leaves an entry, entries are chained, tampering is detected."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from audit.models import AuditEntry

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
    AuditEntry.objects.filter(stream=str(case.report_id), action="message.from_staff").delete()
    assert client.get(f"/api/v1/cases/{case.id}/audit").json()["chain_valid"] is False


def test_verify_command_passes_on_an_intact_trail(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    _walk(open_case(), staff_api(focal_point))
    out = StringIO()
    call_command("verify_audit_chain", stdout=out)
    assert "intact" in out.getvalue()
