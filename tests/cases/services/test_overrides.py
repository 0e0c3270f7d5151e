"""Overrides (``cases.services.overrides``): one authorised person asks with a written reason,
a different one approves, the reporter is told, all of it is audited, and an override passes
only the one step and the consents it was approved for."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEntry
from cases.models import Override
from reports.models import Message
from tests.helpers.keys import staff_data_key
from tests.helpers.reporter import (
    consent_change,
    receipt_of,
    record_withdrawal,
    sign_in,
)
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
    case_in_state: Any, focal_point: Any, second_focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("assessment")
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
    key = staff_data_key(focal_point, case.report)
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
    case_in_state: Any, approved_override: Any, focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("assessment")
    approved_override(case, "start_informal")
    requester = staff_api(focal_point)
    requester.post(f"/api/v1/cases/{case.id}/transitions/start_informal", {}, format="json")
    requester.post(f"/api/v1/cases/{case.id}/transitions/put_on_hold", {}, format="json")
    again = requester.post(f"/api/v1/cases/{case.id}/transitions/start_informal", {}, format="json")
    assert again.status_code == 409
    assert again.json()["error"] == "consent_required"


def test_override_needs_a_written_justification(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("assessment")
    response = _request(staff_api(focal_point), case, reason="because")
    assert response.status_code == 400
    assert "justification" in response.json()["fields"]
    assert not Override.objects.exists()


def test_override_cannot_unseal_a_report(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("on_hold")
    envelope.organisation_wrap_remove(data_key=case.report.data_key)
    record_withdrawal(case.report, "case_review")
    response = _request(staff_api(focal_point), case, transition="resume")
    assert response.status_code == 409
    assert response.json()["missing"] == ["case_review"]
    assert not Override.objects.exists()


def test_leadership_cannot_request_or_approve(
    case_in_state: Any, focal_point: Any, leadership: Any, staff_api: Any
) -> None:
    case = case_in_state("assessment")
    override_id = _request(staff_api(focal_point), case).json()["id"]
    assert _request(staff_api(leadership), case).status_code == 403
    assert staff_api(leadership).post(f"/api/v1/overrides/{override_id}/approve").status_code == 403
    assert Override.objects.get(pk=override_id).status == "pending"


def test_an_override_passes_only_the_consents_it_was_approved_for(
    case_in_state: Any,
    approved_override: Any,
    focal_point: Any,
    second_focal_point: Any,
    staff_api: Any,
) -> None:
    """Regression (case-workflow review, fixed in 080b1fb): an override lets its transition pass
    only the consents that were missing when it was approved."""
    case = case_in_state(
        "formal_review", consents={"case_review": True, "formal_investigation": True}
    )
    override = approved_override(case, "open_investigation")
    assert override.consents == ["contact_alleged_perpetrator"]
    requester, approver = staff_api(focal_point), staff_api(second_focal_point)
    # The reporter then withdraws the other consent the step needs: the override does not cover it.
    consent_change(sign_in(receipt_of(case)), "formal_investigation", granted=False)
    blocked = requester.post(
        f"/api/v1/cases/{case.id}/transitions/open_investigation", {}, format="json"
    )
    assert blocked.status_code == 409
    assert blocked.json()["missing"] == ["formal_investigation"]
    again = approver.post(f"/api/v1/overrides/{override.pk}/approve")
    assert again.status_code in (403, 409)


def test_an_override_is_only_for_a_step_possible_now(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    """Regression (case-workflow review, fixed in 080b1fb): an override can only be asked for a step
    possible from the case's current state."""
    case = open_case(consents={"case_review": True})
    response = _request(staff_api(focal_point), case, transition="open_investigation")
    assert response.status_code == 400


def test_deciding_an_override_twice_is_a_conflict(
    case_in_state: Any, approved_override: Any, make_staff: Any, staff_api: Any
) -> None:
    """Regression (case-workflow review, fixed in 080b1fb): an override is decided once: a second
    approval, by a third focal point, is a conflict."""
    override = approved_override(case_in_state("assessment"), "start_informal")
    third = make_staff("focal_point", username="fp_three")
    again = staff_api(third).post(f"/api/v1/overrides/{override.pk}/approve")
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"


def test_an_unused_override_does_not_outlive_the_next_step(
    case_in_state: Any, approved_override: Any, focal_point: Any, staff_api: Any
) -> None:
    """Regression (second case-workflow review, fixed in cf4798b): an approved override lapses when
    the case moves on without using it."""
    case = case_in_state("assessment")
    approved_override(case, "escalate_to_formal")
    requester = staff_api(focal_point)
    # The case moves on without using it (on hold), and the reporter has not consented since
    assert (
        requester.post(
            f"/api/v1/cases/{case.id}/transitions/put_on_hold", {}, format="json"
        ).status_code
        == 200
    )
    later = requester.post(
        f"/api/v1/cases/{case.id}/transitions/escalate_to_formal", {}, format="json"
    )
    assert later.status_code == 409
    assert later.json()["missing"] == ["formal_investigation"]


def test_an_override_made_moot_by_the_reporter_cannot_be_approved(
    case_in_state: Any, focal_point: Any, second_focal_point: Any, staff_api: Any
) -> None:
    """Regression (second case-workflow review, fixed in cf4798b): an override the reporter made
    moot by giving the consent cannot be approved."""
    case = case_in_state("assessment")
    override_id = _request(staff_api(focal_point), case, "escalate_to_formal").json()["id"]
    consent_change(sign_in(receipt_of(case)), "formal_investigation", granted=True)
    response = staff_api(second_focal_point).post(f"/api/v1/overrides/{override_id}/approve")
    assert response.status_code == 409
