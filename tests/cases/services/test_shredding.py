"""Shredding a report closes its case, and the case takes nothing more
(``cases.services.shredding``; issue 10, acceptance item 9).

Each refused action answers 409 ``shredded`` through the API and says so on the staff page, and
writes nothing: no row, no audit entry.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEntry
from cases.models import Case, InternalNote, Override, Reassignment
from cases.services.overrides import override_request
from cases.services.shredding import report_shred
from demo.directory import demo_directory_create
from referrals.models import Referral
from reports.models import Attachment, AttachmentContent, Message
from tests.helpers.audit import audit_actions_since, audit_length
from tests.helpers.keys import staff_data_key
from tests.helpers.reporter import ALL_CONSENTS, WORKFLOW_CONSENTS
from tests.helpers.staff import signed_in
from vault import envelope

pytestmark = pytest.mark.django_db

SHREDDED_WORDS = "This report was shredded"


def _written_rows(case: Case) -> dict[str, int]:
    """Everything a refused action might have written for the case."""
    return {
        "messages": Message.objects.filter(report=case.report_id).count(),
        "notes": InternalNote.objects.filter(case=case).count(),
        "referrals": Referral.objects.filter(case=case).count(),
        "overrides": Override.objects.filter(case=case).count(),
        "audit": audit_length(case),
    }


def _case_with_a_pending_override(case_in_state: Any, asked_by: Any) -> tuple[Case, Override]:
    """A case in assessment without formal investigation consent, and an override asked of it."""
    case = case_in_state("assessment", consents={"case_review": True})
    override = override_request(
        case=Case.objects.select_related("report__data_key").get(pk=case.pk),
        actor=asked_by,
        transition_name="escalate_to_formal",
        justification="Witnesses report an ongoing risk to others.",
    )
    return case, override


@pytest.mark.parametrize("state", ["received", "investigation", "on_hold", "disciplinary"])
def test_shredding_closes_the_case_from_any_open_state_with_the_shred_reason_and_audits_it(
    state: str, case_in_state: Any
) -> None:
    # Issue 10: the ``close`` step starts from five states only; a shred closes from any.
    case = case_in_state(state, consents=ALL_CONSENTS)
    before = audit_length(case)

    report_shred(report=case.report, actor=None)

    closed = Case.objects.get(pk=case.pk)
    assert closed.state == "closed"
    assert closed.closure_reason == "shredded"
    assert closed.closed_at is not None
    assert audit_actions_since(case, before) == ["report.shredded", "case.transition"]
    closing = AuditEntry.objects.filter(stream=str(case.report_id)).order_by("position").last()
    assert closing is not None
    assert closing.actor_kind == AuditEntry.ActorKind.SYSTEM
    assert closing.detail == {
        "transition": "close_shredded",
        "from": state,
        "to": "closed",
        "closure_reason": "shredded",
    }


def test_the_shred_command_closes_the_case(open_case: Any) -> None:
    case = open_case()
    out = StringIO()

    call_command("shred_report", case.report.reference, "--yes", stdout=out)

    assert "Its case is closed." in out.getvalue()
    assert Case.objects.get(pk=case.pk).closure_reason == "shredded"


def test_a_case_closed_before_the_shred_keeps_the_reason_it_was_closed_for(
    case_in_state: Any,
) -> None:
    case = case_in_state("closed", closure_reason="referred_elsewhere")
    before = audit_length(case)

    report_shred(report=case.report, actor=None)

    assert Case.objects.get(pk=case.pk).closure_reason == "referred_elsewhere"
    assert audit_actions_since(case, before) == ["report.shredded"]


def test_pending_overrides_and_reassignments_end_with_the_shred(
    case_in_state: Any, focal_point: Any, second_focal_point: Any
) -> None:
    case, override = _case_with_a_pending_override(case_in_state, focal_point)
    reassignment = Reassignment.objects.create(
        case=case, assignee=second_focal_point, requested_by=focal_point
    )

    report_shred(report=case.report, actor=None)

    override.refresh_from_db()
    reassignment.refresh_from_db()
    assert override.status == Override.Status.REJECTED
    assert reassignment.status == Reassignment.Status.LAPSED


@pytest.mark.parametrize(
    "name", ["acknowledge", "put_on_hold", "resume", "close", "close_shredded", "teleport"]
)
def test_no_step_runs_on_a_shredded_reports_case(
    name: str, open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    # Issue 10: whatever the step (the service's own and an unknown one included), the answer
    # is ``shredded``, not ``transition_not_allowed`` from the closed state.
    case = open_case(consents=WORKFLOW_CONSENTS)
    report_shred(report=case.report, actor=None)
    before = _written_rows(case)

    response = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/transitions/{name}",
        {"closure_reason": "resolved_informally", "note": "CANARY-NOTE"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error"] == "shredded"
    assert SHREDDED_WORDS in response.json()["detail"]
    assert Case.objects.get(pk=case.pk).state == "closed"
    assert _written_rows(case) == before


def test_a_shredded_reports_case_takes_no_message_note_referral_or_override(
    open_case: Any, focal_point: Any, staff_api: Any, entity: Any
) -> None:
    # Issue 10: each of these would write content under a destroyed key; each is refused
    # as ``shredded`` (no longer as a missing case review consent, which nobody can give).
    demo_directory_create(entities=[entity])
    case = open_case(consents=WORKFLOW_CONSENTS)
    report_shred(report=case.report, actor=None)
    client = staff_api(focal_point)
    before = _written_rows(case)

    answers = {
        "message": client.post(
            f"/api/v1/cases/{case.id}/messages", {"body": "CANARY"}, format="json"
        ),
        "note": client.post(f"/api/v1/cases/{case.id}/notes", {"body": "CANARY"}, format="json"),
        "referral": client.post(
            f"/api/v1/cases/{case.id}/referrals", {"service": "medical"}, format="json"
        ),
        "override": client.post(
            f"/api/v1/cases/{case.id}/overrides",
            {"transition": "escalate_to_formal", "justification": "x" * 30},
            format="json",
        ),
    }

    for action, response in answers.items():
        assert response.status_code == 409, action
        assert response.json()["error"] == "shredded", action
    assert _written_rows(case) == before


def test_an_override_asked_before_the_shred_cannot_be_approved_after_it(
    case_in_state: Any, focal_point: Any, second_focal_point: Any, staff_api: Any
) -> None:
    case, override = _case_with_a_pending_override(case_in_state, focal_point)
    report_shred(report=case.report, actor=None)
    before = _written_rows(case)

    response = staff_api(second_focal_point).post(f"/api/v1/overrides/{override.id}/approve")

    assert response.status_code == 409
    assert response.json()["error"] == "shredded"
    assert _written_rows(case) == before


def test_an_attachment_of_a_shredded_report_answers_shredded(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = open_case()
    attachment = Attachment(
        report=case.report, content_type="text/plain", size=6, added_on=timezone.localdate()
    )
    key = staff_data_key(focal_point, case.report)
    envelope.seal(attachment, "filename", "a.txt", key)
    attachment.save()
    content = AttachmentContent(attachment=attachment)
    envelope.seal(content, "data", b"CANARY", key)
    content.save()
    report_shred(report=case.report, actor=None)

    response = staff_api(focal_point).get(f"/api/v1/cases/{case.id}/attachments/{attachment.id}")

    assert response.status_code == 409
    assert response.json()["error"] == "shredded"


def test_a_shredded_reports_case_reads_as_closed_for_good(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = open_case(consents=WORKFLOW_CONSENTS)
    report_shred(report=case.report, actor=None)

    detail = staff_api(focal_point).get(f"/api/v1/cases/{case.id}")

    assert detail.status_code == 200
    body = detail.json()
    assert body["state"] == "closed"
    assert body["closure_reason"] == "shredded"
    assert body["shredded"] is True
    assert body["narrative"] is None
    assert body["allowed_transitions"] == []
    assert body["blocked_transitions"] == []


def test_the_staff_page_says_a_shredded_reports_case_takes_nothing_more(
    open_case: Any, focal_point: Any
) -> None:
    case = open_case(consents=WORKFLOW_CONSENTS)
    report_shred(report=case.report, actor=None)
    client = signed_in(focal_point)
    before = _written_rows(case)

    page = client.get(f"/staff/cases/{case.id}/").content.decode()
    message = client.post(
        f"/staff/cases/{case.id}/messages", {"body": "CANARY", "kind": "message"}, follow=True
    )
    note = client.post(
        f"/staff/cases/{case.id}/messages", {"body": "CANARY", "kind": "note"}, follow=True
    )
    step = client.post(f"/staff/cases/{case.id}/transitions/put_on_hold", follow=True)

    assert SHREDDED_WORDS in page
    # No form to write in: the page offers nothing that would be refused.
    assert f'action="/staff/cases/{case.id}/messages"' not in page
    for refused in (message, note, step):
        assert "shredded and its case is closed" in refused.content.decode()
    # Each refusal's page read is audited, nothing else was written.
    after = _written_rows(case)
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }
    assert set(audit_actions_since(case, before["audit"])) == {"case.read_refused_sealed"}


def test_staff_can_neither_run_the_services_closing_step_nor_give_its_reason(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    # The shred closure is the service's alone: no staff member closes a case as "shredded".
    case = case_in_state("assessment")
    client = staff_api(focal_point)
    before = audit_length(case)

    by_step = client.post(f"/api/v1/cases/{case.id}/transitions/close_shredded", {}, format="json")
    by_reason = client.post(
        f"/api/v1/cases/{case.id}/transitions/close", {"closure_reason": "shredded"}, format="json"
    )

    assert by_step.status_code == 409
    assert by_step.json()["error"] == "transition_not_allowed"
    assert "close_shredded" not in by_step.json()["allowed"]
    assert by_reason.status_code == 400
    assert "closure_reason" in by_reason.json()["fields"]
    assert Case.objects.get(pk=case.pk).state == "assessment"
    assert audit_length(case) == before
