"""Overrides on grounds (issue 12, item 6): every override names one of the listed grounds and
its justification; the reporter reads the ground before the step runs, or, where telling them
would itself endanger someone, as soon as a staff member records that it is safe."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEntry
from cases.models import Override
from reports.models import Message
from tests.helpers.reporter import receipt_of, sign_in

pytestmark = pytest.mark.django_db
REASON = "A second complaint about the same manager shows a risk to other staff."
DEFERRAL = "The manager reads the reporter's shared mailbox; a notice now would alert him."


def _reporter_reads(case: Any) -> dict[str, Any]:
    response = sign_in(receipt_of(case)).get("/api/v1/reporter/report")
    assert response.status_code == 200
    return dict(response.json())


def _staff_messages(case: Any) -> int:
    return Message.objects.filter(report=case.report, sender="staff").count()


def test_an_api_override_without_a_ground_is_recorded_and_told_as_naming_none(
    case_in_state: Any, focal_point: Any, second_focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("assessment")
    # The contract's request: only the transition and the justification
    requested = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/overrides",
        {"transition": "start_informal", "justification": REASON},
        format="json",
    )
    assert requested.status_code == 202
    assert requested.json()["status"] == "pending"
    assert requested.json()["ground"] == "not_named"
    approved = staff_api(second_focal_point).post(
        f"/api/v1/overrides/{requested.json()['id']}/approve"
    )
    assert approved.status_code == 200
    assert approved.json()["ground"] == "not_named"
    # The reporter is not told of a ground that was never given
    seen = _reporter_reads(case)
    bodies = [m["body"] for m in seen["messages"] if m["from"] == "staff"]
    assert any("on this ground: no ground from the listed ones was named" in b for b in bodies)
    assert not any("duty of care" in body or "a pattern" in body for body in bodies)


def test_the_reporter_reads_the_ground_in_the_portal_before_the_step_runs(
    case_in_state: Any, focal_point: Any, second_focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("assessment")
    requester = staff_api(focal_point)
    requested = requester.post(
        f"/api/v1/cases/{case.id}/overrides",
        {"transition": "start_informal", "justification": REASON, "ground": "pattern_of_reports"},
        format="json",
    )
    assert requested.status_code == 202
    assert requested.json()["ground"] == "pattern_of_reports"
    approved = staff_api(second_focal_point).post(
        f"/api/v1/overrides/{requested.json()['id']}/approve"
    )
    assert approved.json()["notice"] == "given"
    # Before the step runs, the reporter's portal says what, on which ground and why
    seen = _reporter_reads(case)
    assert seen["state"] == "assessment"
    message = next(m["body"] for m in seen["messages"] if m["from"] == "staff")
    assert "a pattern: other reports concern the same person" in message
    assert REASON in message
    assert any(
        "on this ground: a pattern: other reports concern the same person" in entry["label"]
        for entry in seen["timeline"]
    )
    moved = requester.post(f"/api/v1/cases/{case.id}/transitions/start_informal", {}, format="json")
    assert moved.status_code == 200


def test_a_ground_outside_the_list_is_refused_and_nothing_is_written(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("assessment")
    for ground in ("because_i_said_so", "not_named"):
        refused = staff_api(focal_point).post(
            f"/api/v1/cases/{case.id}/overrides",
            {"transition": "start_informal", "justification": REASON, "ground": ground},
            format="json",
        )
        assert refused.status_code == 400
        assert refused.json()["error"] == "validation_error"
        assert "ground" in refused.json()["fields"]
    assert not Override.objects.exists()


def test_a_deferred_notice_is_given_only_when_a_staff_member_records_it_is_safe(
    case_in_state: Any,
    focal_point: Any,
    second_focal_point: Any,
    staff_api: Any,
) -> None:
    # Given an override requested on a ground
    case = case_in_state("assessment")
    requester, approver = staff_api(focal_point), staff_api(second_focal_point)
    override_id = requester.post(
        f"/api/v1/cases/{case.id}/overrides",
        {"transition": "start_informal", "justification": REASON, "ground": "duty_of_care"},
        format="json",
    ).json()["id"]
    before = _staff_messages(case)
    # When the approver defers the notice, saying why
    approved = approver.post(
        f"/api/v1/overrides/{override_id}/approve",
        {"notice_deferral_reason": DEFERRAL},
        format="json",
    )
    assert approved.status_code == 200
    assert approved.json() == {
        "id": override_id,
        "status": "approved",
        "transition": "start_informal",
        "ground": "duty_of_care",
        "notice": "deferred",
    }
    # Then the reporter is told nothing yet, the deferral is recorded, and the step may run
    assert _staff_messages(case) == before
    assert not any(e["label"].startswith("Two staff") for e in _reporter_reads(case)["timeline"])
    override = Override.objects.get(pk=override_id)
    assert override.notice_pending
    assert override.notice_deferral_reason is not None
    assert DEFERRAL.encode() not in override.notice_deferral_reason.blob
    approval = AuditEntry.objects.get(stream=str(case.report_id), action="override.approved")
    assert approval.detail["notice_deferred"] is True
    assert DEFERRAL not in str(approval.detail)
    assert (
        requester.post(
            f"/api/v1/cases/{case.id}/transitions/start_informal", {}, format="json"
        ).status_code
        == 200
    )
    # When a staff member records that it is safe, the reporter reads the ground and why
    given = requester.post(f"/api/v1/overrides/{override_id}/notice")
    assert given.status_code == 200
    assert given.json()["notice"] == "given"
    message = next(m["body"] for m in _reporter_reads(case)["messages"] if m["from"] == "staff")
    assert "duty of care" in message
    assert REASON in message
    assert AuditEntry.objects.filter(
        stream=str(case.report_id), action="override.notice_given"
    ).exists()
    # And it is given once
    again = approver.post(f"/api/v1/overrides/{override_id}/notice")
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"
    assert _staff_messages(case) == before + 1


def test_a_notice_given_at_approval_cannot_be_given_again(
    case_in_state: Any, approved_override: Any, focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("assessment")
    override = approved_override(case, "start_informal")
    before = _staff_messages(case)
    again = staff_api(focal_point).post(f"/api/v1/overrides/{override.pk}/notice")
    assert again.status_code == 409
    assert _staff_messages(case) == before


def test_a_deferral_needs_its_reason_in_full_and_leaves_the_override_pending(
    case_in_state: Any, focal_point: Any, second_focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("assessment")
    override_id = (
        staff_api(focal_point)
        .post(
            f"/api/v1/cases/{case.id}/overrides",
            {"transition": "start_informal", "justification": REASON, "ground": "duty_of_care"},
            format="json",
        )
        .json()["id"]
    )
    refused = staff_api(second_focal_point).post(
        f"/api/v1/overrides/{override_id}/approve",
        {"notice_deferral_reason": "unsafe"},
        format="json",
    )
    assert refused.status_code == 400
    assert "notice_deferral_reason" in refused.json()["fields"]
    assert Override.objects.get(pk=override_id).status == "pending"
    assert _staff_messages(case) == 0


def test_outsiders_cannot_give_a_deferred_notice(
    case_in_state: Any, approved_override: Any, leadership: Any, staff_api: Any
) -> None:
    case = case_in_state("assessment")
    override = approved_override(case, "start_informal", notice_deferral_reason=DEFERRAL)
    assert staff_api(leadership).post(f"/api/v1/overrides/{override.pk}/notice").status_code == 403
    assert Override.objects.get(pk=override.pk).notice_pending
