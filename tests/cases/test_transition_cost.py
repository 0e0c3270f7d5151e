"""What one staff action costs (issue 8): a transition loads its case once and writes one audit
entry for the move, through the API and through the page; a hand-over audits every case it
touches."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import SYSTEM_STREAM
from cases.models import Case
from cases.services.assignment import cases_hand_over
from tests.cases.conftest import force_state
from tests.cases.test_staff_pages import signed_in

pytestmark = pytest.mark.django_db
ALL = {"case_review": True}


def _case_loads(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and 'FROM "cases_case"' in query["sql"]
    ]


def _new_entries(case: Case, before: int) -> list[str]:
    entries = AuditEntry.objects.filter(stream=str(case.report_id)).order_by("position")
    return [entry.action for entry in entries[before:]]


def test_a_transition_through_the_api_loads_the_case_once_and_audits_the_move_once(
    open_case: Any, focal_point: Any, staff_api: Any, django_assert_max_num_queries: Any
) -> None:
    # Given a received case and a signed-in focal point
    case = open_case(consents=ALL)
    client = staff_api(focal_point)
    before = AuditEntry.objects.filter(stream=str(case.report_id)).count()
    # When the focal point acknowledges it through the API
    with (
        CaptureQueriesContext(connection) as queries,
        django_assert_max_num_queries(30),
    ):
        response = client.post(
            f"/api/v1/cases/{case.id}/transitions/acknowledge", {}, format="json"
        )
    # Then the case row was read once, and the answer is the case as moved
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "acknowledged"
    assert response.json()["assigned_to"] == focal_point.username
    assert len(_case_loads(queries)) == 1
    # And the move has one audit entry; the only other is the audited read of the answer's
    # decrypted narrative (every staff read of it is audited, as the contract says)
    assert _new_entries(case, before) == ["case.transition", "case.decrypted_read"]


def test_a_transition_through_the_page_loads_the_case_once_and_audits_the_move_once(
    open_case: Any, focal_point: Any, django_assert_max_num_queries: Any
) -> None:
    case = force_state(open_case(consents=ALL), "assessment")
    client = signed_in(focal_point)
    before = AuditEntry.objects.filter(stream=str(case.report_id)).count()
    with (
        CaptureQueriesContext(connection) as queries,
        django_assert_max_num_queries(20),
    ):
        response = client.post(
            f"/staff/cases/{case.id}/transitions/close",
            {"closure_reason": "referred_elsewhere", "note": "Referred to the staff union."},
        )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == "closed"
    assert len(_case_loads(queries)) == 1
    assert _new_entries(case, before) == ["case.transition"]


def test_a_refused_transition_writes_no_audit_entry(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = force_state(open_case(consents=ALL), "assessment")
    before = AuditEntry.objects.filter(stream=str(case.report_id)).count()
    refused = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/transitions/start_informal", {}, format="json"
    )
    assert refused.status_code == 409
    assert _new_entries(case, before) == []


def test_a_hand_over_audits_every_case_it_touches(
    open_case: Any, focal_point: Any, second_focal_point: Any
) -> None:
    # Given three open cases and one closed case of the departing focal point, and a case of
    # someone else shared with them
    moved = [open_case(consents=ALL) for _ in range(3)]
    closed = force_state(open_case(consents=ALL), "closed", closed_at=timezone.now())
    Case.objects.filter(pk__in=[case.pk for case in [*moved, closed]]).update(
        assigned_to=focal_point
    )
    shared = open_case(consents=ALL)
    shared.shared_with.add(focal_point)
    before = {
        case.pk: AuditEntry.objects.filter(stream=str(case.report_id)).count()
        for case in [*moved, closed, shared]
    }
    # When their cases are handed over
    count = cases_hand_over(
        departing=focal_point, successor=second_focal_point, actor=second_focal_point
    )
    # Then each open case moved and says so in its own trail, once
    assert count == 3
    for case in moved:
        assert _new_entries(case, before[case.pk]) == ["case.handed_over"]
        assert Case.objects.get(pk=case.pk).assigned_to == second_focal_point
    # And the closed case stays as it was, untouched and unaudited
    assert _new_entries(closed, before[closed.pk]) == []
    assert Case.objects.get(pk=closed.pk).assigned_to == focal_point
    # And the case shared with the departing colleague records that it no longer is
    assert _new_entries(shared, before[shared.pk]) == ["case.unshared"]
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
    open_case: Any, focal_point: Any, second_focal_point: Any, make_staff: Any
) -> None:
    from cases.errors import CaseForbiddenError

    case = open_case(consents=ALL)
    Case.objects.filter(pk=case.pk).update(assigned_to=focal_point)
    leader = make_staff("leadership", username="leader_ho")
    with pytest.raises(CaseForbiddenError):
        cases_hand_over(departing=focal_point, successor=second_focal_point, actor=leader)
    assert Case.objects.get(pk=case.pk).assigned_to == focal_point
    assert not AuditEntry.objects.filter(action="case.handed_over").exists()
