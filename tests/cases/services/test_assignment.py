"""Who works on a case (``cases.services.assignment``): assigning, sharing, an investigator
for a formal case, and the hand-over of a departing focal point's cases, each audited."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEntry
from audit.services import SYSTEM_STREAM
from cases.errors import CaseForbiddenError
from cases.models import Case
from cases.services.assignment import cases_hand_over
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
