"""Issue 12, item 4: a case about someone senior (the entity's band) goes to an independent
handler outside the entity's line, explicitly and audited (``cases.services.opening``)."""

from __future__ import annotations

import html
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from audit.models import AuditAction, AuditEntry
from notifications.models import OutboxMessage
from reports.models import Report, TimelineEntry
from reports.vocabulary import TimelineEvent
from tests.helpers.conflicts import case_naming
from tests.helpers.reporter import report_payload
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed_entity(entity: Any, other_entity: Any) -> Any:
    """UNW sends cases about directors and above to UNDP's office."""
    entity.senior_band = "director"
    entity.independent_handler = other_entity
    entity.save()
    return entity


def _routing_entry(case: Any) -> AuditEntry:
    return AuditEntry.objects.get(
        stream=str(case.report_id), action=AuditAction.CASE_ROUTED_INDEPENDENTLY
    )


def test_a_case_about_a_director_goes_to_the_independent_handler(
    routed_entity: Any, focal_point: Any, focal_point_elsewhere: Any, staff_api: Any
) -> None:
    case = case_naming(routed_entity, "A Director", seniority="director")
    assert case.handling_entity_id == focal_point_elsewhere.entity_id
    assert case.entity_id == routed_entity.id  # statistics still count it for UNW
    # The independent handler's focal points see it; the entity's own do not.
    assert staff_api(focal_point_elsewhere).get(f"/api/v1/cases/{case.id}").status_code == 200
    assert staff_api(focal_point).get(f"/api/v1/cases/{case.id}").status_code == 404
    assert _routing_entry(case).detail == {
        "reason": "senior_subject",
        "from": "UNW",
        "to": "UNDP",
    }
    alert = OutboxMessage.objects.filter(topic="staff_alert", payload__kind="case_opened").first()
    assert alert is not None
    assert alert.payload["user_ids"] == [focal_point_elsewhere.id]
    # The reporter is told who handles it.
    assert TimelineEntry.objects.filter(
        report=case.report, event=TimelineEvent.ROUTED_INDEPENDENTLY
    ).exists()


def test_the_independent_handler_runs_the_case_and_assigns_its_own_staff(
    routed_entity: Any, focal_point: Any, focal_point_elsewhere: Any, staff_api: Any
) -> None:
    case = case_naming(routed_entity, "A Director", seniority="senior_leadership")
    client = staff_api(focal_point_elsewhere)
    assert client.post(f"/api/v1/cases/{case.id}/transitions/acknowledge").status_code == 200
    refused = client.post(
        f"/api/v1/cases/{case.id}/assignment", {"username": focal_point.username}, format="json"
    )
    assert refused.status_code == 400  # not a focal point of the handling entity


def test_a_case_below_the_band_stays_with_the_entity(
    routed_entity: Any, focal_point: Any, staff_api: Any
) -> None:
    case = case_naming(routed_entity, "A Professional", seniority="professional")
    assert case.handling_entity_id is None
    assert not case.report.subject_senior
    assert staff_api(focal_point).get(f"/api/v1/cases/{case.id}").status_code == 200
    assert not AuditEntry.objects.filter(action=AuditAction.CASE_ROUTED_INDEPENDENTLY).exists()


def test_without_an_independent_handler_the_case_stays_and_its_page_says_so(
    entity: Any, focal_point: Any
) -> None:
    # The default band is director; nobody named the handler yet.
    case = case_naming(entity, "A Director", seniority="director")
    assert case.handling_entity_id is None
    assert _routing_entry(case).detail["to"] is None
    page = html.unescape(signed_in(focal_point).get(f"/staff/cases/{case.id}/").content.decode())
    assert "names no independent handler" in page


def test_the_seniority_answer_through_the_api_routes_the_case(routed_entity: Any) -> None:
    body = report_payload(
        alleged_perpetrator={"name": "X Y", "role": "Director", "seniority": "director"}
    )
    response = APIClient().post("/api/v1/reports", body, format="json")
    assert response.status_code == 201
    assert Report.objects.get(reference=response.json()["report"]["reference"]).subject_senior
    wrong = report_payload(alleged_perpetrator={"name": "X Y", "seniority": "emperor"})
    refused = APIClient().post("/api/v1/reports", wrong, format="json")
    assert refused.status_code == 400
    assert "seniority" in str(refused.json()["fields"])


def test_the_administrator_sets_the_band_and_the_handler(
    entity: Any, other_entity: Any, make_staff: Any
) -> None:
    admin = make_staff(Role.ADMIN, username="unw_admin")
    client = signed_in(admin)
    response = client.post(
        f"/staff/admin/entities/{entity.code}/routing",
        {"senior_band": "professional", "independent_handler": other_entity.code},
        follow=True,
    )
    assert response.status_code == 200
    entity.refresh_from_db()
    assert entity.senior_band == "professional"
    assert entity.independent_handler_id == other_entity.id
    changed = AuditEntry.objects.filter(action=AuditAction.ENTITY_CHANGED).order_by("-at").first()
    assert changed is not None
    assert changed.detail["independent_handler"] == "UNDP"
    # Its own line is not independent.
    own = client.post(
        f"/staff/admin/entities/{entity.code}/routing",
        {"senior_band": "director", "independent_handler": entity.code},
    )
    assert own.status_code == 400
    entity.refresh_from_db()
    assert entity.senior_band == "professional"
