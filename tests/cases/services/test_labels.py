"""The staff's own labels on a case (``cases.services.labels``): for sorting their work, never
shown to the reporter and never audited."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEntry
from cases.models import Case
from cases.services.labels import labels_set
from cases.services.transitions import case_transition
from tests.helpers.reporter import WORKFLOW_CONSENTS
from vault import envelope

pytestmark = pytest.mark.django_db


def test_labels_stay_out_of_the_audit_trail(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    """Regression (case-workflow review, fixed in 080b1fb): the staff's labels are never copied into
    the audit trail."""
    case = open_case(consents=WORKFLOW_CONSENTS)
    staff_api(focal_point).put(
        f"/api/v1/cases/{case.id}/labels", {"labels": ["CANARY-LABEL"]}, format="json"
    )
    assert not AuditEntry.objects.filter(detail__icontains="CANARY-LABEL").exists()
    assert envelope.is_sealed(case.report.data_key) is False


def test_labels(open_case: Any, focal_point: Any, staff_api: Any) -> None:
    case = open_case(consents=WORKFLOW_CONSENTS)
    response = staff_api(focal_point).put(
        f"/api/v1/cases/{case.id}/labels",
        {"labels": ["urgent", " field ", "urgent"]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["labels"] == ["field", "urgent"]


def test_labels_set_on_a_case_that_moved_meanwhile_are_saved_on_the_case_as_it_stands_issue_10(
    open_case: Any, focal_point: Any
) -> None:
    # Given a case loaded by one request, and a transition another request commits before this
    # one takes the report's lock
    case = open_case(consents=WORKFLOW_CONSENTS)
    loaded_before = Case.objects.select_related("report").get(pk=case.pk)
    case_transition(case_id=case.pk, name="acknowledge", actor=focal_point)

    # When the labels are set on the case as loaded, then they are saved (no failed save of a
    # stale state, which answered 500), and the state the transition left stands
    labels_set(case=loaded_before, actor=focal_point, labels=["urgent"])
    saved = Case.objects.get(pk=case.pk)
    assert saved.labels == ["urgent"]
    assert saved.state == "acknowledged"
    assert loaded_before.state == "acknowledged"
