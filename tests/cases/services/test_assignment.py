"""Who works on a case (``cases.services.assignment``): assigning, sharing, an investigator
for a formal case, and the hand-over of a departing focal point's cases, each audited."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEntry
from audit.services import SYSTEM_STREAM
from cases.errors import CaseForbiddenError
from cases.models import Case, Reassignment
from cases.services.assignment import cases_hand_over
from notifications.models import OutboxMessage
from tests.helpers.audit import audit_actions_since, audit_length
from tests.helpers.reporter import WORKFLOW_CONSENTS

pytestmark = pytest.mark.django_db


def test_assign_share_and_hand_over(
    open_case: Any,
    focal_point: Any,
    second_focal_point: Any,
    focal_point_elsewhere: Any,
    staff_api: Any,
) -> None:
    case = open_case(consents=WORKFLOW_CONSENTS)
    client = staff_api(focal_point)
    assert (
        client.post(
            f"/api/v1/cases/{case.id}/assignment", {"username": focal_point.username}, format="json"
        ).status_code
        == 200
    )
    shared = client.post(
        f"/api/v1/cases/{case.id}/assignment",
        {"username": second_focal_point.username, "mode": "share"},
        format="json",
    )
    assert shared.status_code == 200
    refused = client.post(
        f"/api/v1/cases/{case.id}/assignment",
        {"username": focal_point_elsewhere.username},
        format="json",
    )
    assert refused.status_code == 400
    second = open_case(consents=WORKFLOW_CONSENTS)
    Case.objects.filter(pk=second.pk).update(assigned_to=focal_point)
    moved = cases_hand_over(
        departing=focal_point, successor=second_focal_point, actor=second_focal_point
    )
    assert moved == 2
    assert set(Case.objects.values_list("assigned_to__username", flat=True)) == {
        second_focal_point.username
    }

    assert (
        AuditEntry.objects.filter(
            action__in=["case.assigned", "case.shared", "case.handed_over"]
        ).count()
        == 4
    )


def test_handover_in_one_step_through_the_api(
    open_case: Any,
    focal_point: Any,
    second_focal_point: Any,
    admin: Any,
    leadership: Any,
    staff_api: Any,
) -> None:
    for _ in range(3):
        case = open_case(consents=WORKFLOW_CONSENTS)
        Case.objects.filter(pk=case.pk).update(assigned_to=focal_point)
    response = staff_api(admin).post(
        "/api/v1/staff/handover",
        {"departing": focal_point.username, "successor": second_focal_point.username},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"moved": 3}
    assert not Case.objects.filter(assigned_to=focal_point).exists()
    refused = staff_api(leadership).post(
        "/api/v1/staff/handover",
        {"departing": second_focal_point.username, "successor": focal_point.username},
        format="json",
    )
    assert refused.status_code == 403


def test_an_investigator_is_assigned_to_a_formal_case_and_then_sees_it(
    open_case: Any, case_in_state: Any, focal_point: Any, investigator: Any, staff_api: Any
) -> None:
    """Regression (case-workflow review, fixed in 080b1fb): an investigator is assigned to a formal
    case only, and then sees it."""
    informal = open_case(consents=WORKFLOW_CONSENTS)
    client = staff_api(focal_point)
    refused = client.post(
        f"/api/v1/cases/{informal.id}/assignment",
        {"username": investigator.username, "mode": "investigator"},
        format="json",
    )
    assert refused.status_code == 400
    formal = case_in_state("investigation", consents=WORKFLOW_CONSENTS)
    assigned = client.post(
        f"/api/v1/cases/{formal.id}/assignment",
        {"username": investigator.username, "mode": "investigator"},
        format="json",
    )
    assert assigned.status_code == 200
    assert [c["id"] for c in staff_api(investigator).get("/api/v1/cases").json()] == [
        str(formal.id)
    ]


def test_a_hand_over_audits_every_case_it_touches(
    open_case: Any, case_in_state: Any, focal_point: Any, second_focal_point: Any
) -> None:
    # Given three open cases and one closed case of the departing focal point, and a case of
    # someone else shared with them
    moved = [open_case() for _ in range(3)]
    closed = case_in_state("closed")
    Case.objects.filter(pk__in=[case.pk for case in [*moved, closed]]).update(
        assigned_to=focal_point
    )
    shared = open_case()
    shared.shared_with.add(focal_point)
    before = {case.pk: audit_length(case) for case in [*moved, closed, shared]}
    # When their cases are handed over
    count = cases_hand_over(
        departing=focal_point, successor=second_focal_point, actor=second_focal_point
    )
    # Then each open case moved and says so in its own trail, once
    assert count == 3
    for case in moved:
        assert audit_actions_since(case, before[case.pk]) == ["case.handed_over"]
        assert Case.objects.get(pk=case.pk).assigned_to == second_focal_point
    # And the closed case stays as it was, untouched and unaudited
    assert audit_actions_since(closed, before[closed.pk]) == []
    assert Case.objects.get(pk=closed.pk).assigned_to == focal_point
    # And the case shared with the departing colleague records that it no longer is
    assert audit_actions_since(shared, before[shared.pk]) == ["case.unshared"]
    assert not shared.shared_with.filter(pk=focal_point.pk).exists()
    # And the system trail has the hand-over as a whole
    summary = AuditEntry.objects.get(stream=SYSTEM_STREAM, action="staff.cases_handed_over")
    assert summary.detail == {
        "from": focal_point.username,
        "to": second_focal_point.username,
        "moved": 3,
        "unshared": 1,
    }


def test_a_hand_over_is_refused_to_whom_the_policy_refuses_and_changes_nothing(
    open_case: Any, focal_point: Any, second_focal_point: Any, leadership: Any
) -> None:
    case = open_case()
    Case.objects.filter(pk=case.pk).update(assigned_to=focal_point)
    with pytest.raises(CaseForbiddenError):
        cases_hand_over(departing=focal_point, successor=second_focal_point, actor=leadership)
    assert Case.objects.get(pk=case.pk).assigned_to == focal_point
    assert not AuditEntry.objects.filter(action="case.handed_over").exists()


IDENTITY = {"name": "Amina Example", "email": "amina@example.org", "phone": ""}


def _held_by(case: Case, holder: Any, staff_api: Any) -> None:
    acknowledged = staff_api(holder).post(
        f"/api/v1/cases/{case.id}/transitions/acknowledge", {}, format="json"
    )
    assert acknowledged.status_code == 200, acknowledged.content


def test_taking_over_a_case_whose_identity_is_withheld_needs_a_second_person(
    open_case: Any, focal_point: Any, second_focal_point: Any, make_staff: Any, staff_api: Any
) -> None:
    """Regression (issue 10, item 2): a second focal point assigned the case to themselves and
    then read the reporter's name, which the reporter had not agreed to share."""
    third_focal_point = make_staff("focal_point", username="third_focal_point")
    case = open_case(identity=IDENTITY, consents={"case_review": True})
    _held_by(case, focal_point, staff_api)
    intruder = staff_api(second_focal_point)

    asked = intruder.post(
        f"/api/v1/cases/{case.id}/assignment",
        {"username": second_focal_point.username},
        format="json",
    )

    assert asked.status_code == 202
    assert asked.json()["status"] == "pending"
    case.refresh_from_db()
    assert case.assigned_to_id == focal_point.id
    assert intruder.get(f"/api/v1/cases/{case.id}").json()["identity"] is None
    approve = f"/api/v1/reassignments/{asked.json()['id']}/approve"
    assert intruder.post(approve).status_code == 403  # not by the one who asked

    approved = staff_api(third_focal_point).post(approve)

    assert approved.status_code == 200
    case.refresh_from_db()
    assert case.assigned_to_id == second_focal_point.id
    assert intruder.get(f"/api/v1/cases/{case.id}").json()["identity"]["name"] == "Amina Example"
    told = OutboxMessage.objects.filter(payload__kind="case_reassigned")
    assert [message.payload["user_ids"] for message in told] == [[focal_point.id]]
    assert staff_api(third_focal_point).post(approve).status_code == 409  # once only


def test_with_the_reporters_consent_to_share_their_name_a_case_changes_hands_at_once(
    open_case: Any, focal_point: Any, second_focal_point: Any, staff_api: Any
) -> None:
    case = open_case(identity=IDENTITY, consents={"case_review": True, "identity_disclosure": True})
    _held_by(case, focal_point, staff_api)

    moved = staff_api(second_focal_point).post(
        f"/api/v1/cases/{case.id}/assignment",
        {"username": second_focal_point.username},
        format="json",
    )

    assert moved.status_code == 200
    case.refresh_from_db()
    assert case.assigned_to_id == second_focal_point.id


def test_a_hand_over_asks_a_second_person_for_cases_whose_identity_is_withheld(
    open_case: Any, focal_point: Any, second_focal_point: Any, admin: Any
) -> None:
    withheld = open_case(identity=IDENTITY, consents={"case_review": True})
    anonymous = open_case()
    Case.objects.filter(pk__in=[withheld.pk, anonymous.pk]).update(assigned_to=focal_point)

    moved = cases_hand_over(departing=focal_point, successor=second_focal_point, actor=admin)

    assert moved == 1
    assert Case.objects.get(pk=anonymous.pk).assigned_to_id == second_focal_point.id
    assert Case.objects.get(pk=withheld.pk).assigned_to_id == focal_point.id
    pending = Reassignment.objects.get(case=withheld)
    assert pending.status == Reassignment.Status.PENDING
    assert pending.assignee_id == second_focal_point.id


def test_an_approval_after_the_case_changed_hands_lapses(
    open_case: Any, focal_point: Any, second_focal_point: Any, make_staff: Any, staff_api: Any
) -> None:
    third_focal_point = make_staff("focal_point", username="third_focal_point")
    case = open_case(identity=IDENTITY, consents={"case_review": True})
    _held_by(case, focal_point, staff_api)
    asked = staff_api(second_focal_point).post(
        f"/api/v1/cases/{case.id}/assignment",
        {"username": second_focal_point.username},
        format="json",
    )
    Case.objects.filter(pk=case.pk).update(assigned_to=third_focal_point)

    late = staff_api(focal_point).post(f"/api/v1/reassignments/{asked.json()['id']}/approve")

    assert late.status_code == 409
    assert late.json()["error"] == "conflict"
    case.refresh_from_db()
    assert case.assigned_to_id == third_focal_point.id
