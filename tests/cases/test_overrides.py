"""Overrides: one authorised person asks with a written reason, a different one approves, the
reporter is told, and all of it is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from cases.models import Override
from reports.models import Message
from tests.cases.conftest import force_state
from vault import envelope

pytestmark = pytest.mark.django_db
REASON = "A second complaint about the same manager shows a risk to other staff."


def _request(
    client: Any, case: Any, transition: str = "start_informal", reason: str = REASON
) -> Any:
    return client.post(
        f"/api/v1/cases/{case.id}/overrides",
        {"transition": transition, "justification": reason},
        format="json",
    )


def test_override_needs_a_second_person_and_tells_the_reporter(
    open_case: Any, focal_point: Any, second_focal_point: Any, staff_api: Any
) -> None:
    case = force_state(open_case(consents={"case_review": True}), "assessment")
    requester, approver = staff_api(focal_point), staff_api(second_focal_point)
    # Given a transition blocked by a missing consent
    blocked = requester.post(
        f"/api/v1/cases/{case.id}/transitions/start_informal", {}, format="json"
    )
    assert blocked.json()["error"] == "consent_required"
    # When one focal point requests an override
    requested = _request(requester, case)
    assert requested.status_code == 202
    assert requested.json()["status"] == "pending"
    override_id = requested.json()["id"]
    # Then the requester cannot approve it, and the transition stays blocked
    self_approval = requester.post(f"/api/v1/overrides/{override_id}/approve")
    assert self_approval.status_code == 403
    assert (
        requester.post(
            f"/api/v1/cases/{case.id}/transitions/start_informal", {}, format="json"
        ).status_code
        == 409
    )
    # When a different focal point approves it
    approved = approver.post(f"/api/v1/overrides/{override_id}/approve")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    # Then the transition runs once
    moved = requester.post(f"/api/v1/cases/{case.id}/transitions/start_informal", {}, format="json")
    assert moved.status_code == 200
    assert moved.json()["state"] == "informal_resolution"
    assert Override.objects.get(pk=override_id).used_at is not None
    # And the reporter received a message saying what was done and why
    key = envelope.open_with_organisation_key(case.report.data_key)
    bodies = [
        envelope.open_text(m, "body", key)
        for m in Message.objects.filter(report=case.report, sender="staff")
    ]
    assert any(
        REASON in (body or "") and "an informal resolution without your consent" in (body or "")
        for body in bodies
    )
    # And every step is audited
    actions = list(
        AuditEntry.objects.filter(stream=str(case.report_id)).values_list("action", flat=True)
    )
    assert {"override.requested", "override.approved"} <= set(actions)
    transition = AuditEntry.objects.get(
        stream=str(case.report_id), action="case.transition", detail__transition="start_informal"
    )
    assert transition.detail["override"] is True


def test_override_is_spent_by_one_transition(
    open_case: Any, focal_point: Any, second_focal_point: Any, staff_api: Any
) -> None:
    case = force_state(open_case(consents={"case_review": True}), "assessment")
    requester, approver = staff_api(focal_point), staff_api(second_focal_point)
    override_id = _request(requester, case).json()["id"]
    approver.post(f"/api/v1/overrides/{override_id}/approve")
    requester.post(f"/api/v1/cases/{case.id}/transitions/start_informal", {}, format="json")
    requester.post(f"/api/v1/cases/{case.id}/transitions/put_on_hold", {}, format="json")
    again = requester.post(f"/api/v1/cases/{case.id}/transitions/start_informal", {}, format="json")
    assert again.status_code == 409
    assert again.json()["error"] == "consent_required"


def test_override_needs_a_written_justification(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = force_state(open_case(consents={"case_review": True}), "assessment")
    response = _request(staff_api(focal_point), case, reason="because")
    assert response.status_code == 400
    assert "justification" in response.json()["fields"]
    assert not Override.objects.exists()


def test_override_cannot_unseal_a_report(open_case: Any, focal_point: Any, staff_api: Any) -> None:
    case = force_state(open_case(consents={"case_review": True}), "on_hold")
    envelope.organisation_wrap_remove(data_key=case.report.data_key)
    from reports.models import Consent

    Consent.objects.create(
        report=case.report,
        action="case_review",
        granted=False,
        source="portal",
        recorded_at=timezone.now(),
    )
    response = _request(staff_api(focal_point), case, transition="resume")
    assert response.status_code == 409
    assert response.json()["missing"] == ["case_review"]
    assert not Override.objects.exists()


def test_leadership_cannot_request_or_approve(
    open_case: Any, focal_point: Any, make_staff: Any, staff_api: Any
) -> None:
    case = force_state(open_case(consents={"case_review": True}), "assessment")
    override_id = _request(staff_api(focal_point), case).json()["id"]
    leader = make_staff("leadership", username="leader")
    assert _request(staff_api(leader), case).status_code == 404
    assert staff_api(leader).post(f"/api/v1/overrides/{override_id}/approve").status_code == 404
    assert Override.objects.get(pk=override_id).status == "pending"
