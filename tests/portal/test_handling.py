"""Issue 12, item 4: the reporter's say in who handles their case (``portal.services``): a
different handler without a reason, and the manager of an intervention approved before anything
is sent (the gate on ``start_informal``, ``cases.transitions.ManagerApproved``)."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.test import Client

from accounts.models import Role
from audit.models import AuditAction, AuditEntry
from cases.models import Case, ManagerProposal
from notifications.models import OutboxMessage
from reports.models import ConflictDeclaration
from tests.helpers.conflicts import case_naming, case_withheld_naming
from tests.helpers.reporter import receipt_of, sign_in
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db

MANAGER_CONSENTS = {"case_review": True, "contact_alleged_perpetrator": True}


def _portal(case: Case) -> Client:
    client = Client()
    response = client.post("/access/", {"receipt": receipt_of(case)})
    assert response.status_code == 302
    return client


# --- A different handler ----------------------------------------------------------------------


def test_the_reporter_asks_for_a_different_handler_and_is_told_when_they_have_one(
    open_case: Any,
    walk_case: Any,
    focal_point: Any,
    second_focal_point: Any,
    staff_api: Any,
) -> None:
    case = walk_case(open_case(), "acknowledged")  # the focal point took it on
    reporter = sign_in(receipt_of(case))
    response = reporter.post("/api/v1/reporter/handler-change")
    assert response.status_code == 200
    labels = [entry["label"] for entry in response.json()["timeline"]]
    assert any("You asked for a different person" in label for label in labels)
    # The declined handler no longer sees it, and it cannot go back to them.
    assert staff_api(focal_point).get(f"/api/v1/cases/{case.id}").status_code == 404
    assert AuditEntry.objects.filter(
        stream=str(case.report_id), action=AuditAction.CASE_HANDLER_CHANGE_REQUESTED
    ).exists()
    alert = OutboxMessage.objects.filter(
        topic="staff_alert", payload__kind="handler_change_requested"
    ).first()
    assert alert is not None
    assert alert.payload["kind"] == "handler_change_requested"
    assert alert.payload["user_ids"] == [second_focal_point.id]
    # A colleague reassigns it through the usual flow; the reporter is told.
    colleague = staff_api(second_focal_point)
    taken = colleague.post(
        f"/api/v1/cases/{case.id}/assignment",
        {"username": second_focal_point.username},
        format="json",
    )
    assert taken.status_code == 200
    back = colleague.post(
        f"/api/v1/cases/{case.id}/assignment", {"username": focal_point.username}, format="json"
    )
    assert back.status_code == 409
    assert back.json()["reason"] == "declined_by_reporter"
    seen = reporter.get("/api/v1/reporter/report").json()
    assert any(
        "A different focal point now handles your case" in e["label"] for e in seen["timeline"]
    )


def test_the_declined_handler_is_not_told_of_the_reporter_s_next_message(
    open_case: Any, walk_case: Any, focal_point: Any, second_focal_point: Any
) -> None:
    # Review finding: the declined handler still holds the case until a colleague takes it, and
    # was still emailed each time the reporter wrote.
    case = walk_case(open_case(), "acknowledged")  # the focal point took it on
    reporter = sign_in(receipt_of(case))
    assert reporter.post("/api/v1/reporter/handler-change").status_code == 200

    sent = reporter.post("/api/v1/reporter/messages", {"body": "Any news?"}, format="json")

    assert sent.status_code == 201
    alerts = OutboxMessage.objects.filter(topic="staff_alert", payload__kind="reporter_message")
    assert [alert.payload["user_ids"] for alert in alerts] == [[second_focal_point.id]]


def test_with_the_name_withheld_the_new_handler_needs_a_second_person(
    entity: Any,
    focal_point: Any,
    second_focal_point: Any,
    make_staff: Any,
    staff_api: Any,
    walk_case: Any,
) -> None:
    third = make_staff(Role.FOCAL_POINT, username="fp_three")
    case = walk_case(
        case_withheld_naming(entity, "Nobody Named"),
        "acknowledged",
    )
    assert sign_in(receipt_of(case)).post("/api/v1/reporter/handler-change").status_code == 200
    pending = staff_api(second_focal_point).post(
        f"/api/v1/cases/{case.id}/assignment", {"username": third.username}, format="json"
    )
    assert pending.status_code == 202
    assert Case.objects.get(pk=case.pk).assigned_to_id == focal_point.id
    # The declined handler cannot approve it: they no longer see the case.
    assert (
        staff_api(focal_point)
        .post(f"/api/v1/reassignments/{pending.json()['id']}/approve")
        .status_code
        == 404
    )
    approved = staff_api(third).post(f"/api/v1/reassignments/{pending.json()['id']}/approve")
    assert approved.status_code == 403  # the new holder is not the second person either


def test_without_a_handler_the_request_is_refused_and_changes_nothing(open_case: Any) -> None:
    case = open_case()
    response = sign_in(receipt_of(case)).post("/api/v1/reporter/handler-change")
    assert response.status_code == 400
    assert "handler" in response.json()["fields"]
    assert not ConflictDeclaration.objects.exists()


def test_the_portal_page_offers_the_request_and_says_it_is_recorded(
    open_case: Any, walk_case: Any
) -> None:
    case = walk_case(open_case(), "acknowledged")
    client = _portal(case)
    page = html.unescape(client.get("/my-report/").content.decode())
    assert "You do not need to give a reason" in page
    response = client.post("/my-report/handler", follow=True)
    page = html.unescape(response.content.decode())
    assert "Your request is recorded." in page
    assert ConflictDeclaration.objects.filter(source="reporter", report=case.report).exists()


# --- The manager approves before anything is sent ---------------------------------------------


def _manager_case(open_case: Any, walk_case: Any) -> Case:
    case: Case = walk_case(
        open_case(channel="manager_intervention", consents=MANAGER_CONSENTS), "assessment"
    )
    return case


def test_a_manager_intervention_is_blocked_until_the_reporter_approves_the_manager(
    open_case: Any, walk_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = _manager_case(open_case, walk_case)
    client = staff_api(focal_point)
    blocked = client.post(f"/api/v1/cases/{case.id}/transitions/start_informal")
    assert blocked.status_code == 409
    assert blocked.json()["error"] == "transition_not_allowed"
    assert "has not approved a manager" in blocked.json()["detail"]
    detail = client.get(f"/api/v1/cases/{case.id}").json()
    assert {"name": "start_informal", "missing": [], "reason": "manager_not_approved"} in detail[
        "blocked_transitions"
    ]
    proposed = client.post(
        f"/api/v1/cases/{case.id}/manager-proposals", {"name": "Grace Achieng"}, format="json"
    )
    assert proposed.status_code == 201
    assert "Grace" not in repr(list(AuditEntry.objects.values_list("detail", flat=True)))
    # Still blocked while the reporter has not answered.
    assert client.post(f"/api/v1/cases/{case.id}/transitions/start_informal").status_code == 409
    reporter = sign_in(receipt_of(case))
    seen = reporter.get("/api/v1/reporter/report").json()["manager_proposal"]
    assert seen["name"] == "Grace Achieng"
    assert seen["status"] == "pending"
    answered = reporter.post("/api/v1/reporter/manager", {"approved": True}, format="json")
    assert answered.status_code == 200
    assert answered.json()["manager_proposal"]["status"] == "approved"
    started = client.post(f"/api/v1/cases/{case.id}/transitions/start_informal")
    assert started.status_code == 200, started.content
    assert started.json()["state"] == "informal_resolution"


def test_a_refused_manager_keeps_the_intervention_blocked(
    open_case: Any, walk_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = _manager_case(open_case, walk_case)
    client = staff_api(focal_point)
    client.post(
        f"/api/v1/cases/{case.id}/manager-proposals", {"name": "Grace Achieng"}, format="json"
    )
    reporter = sign_in(receipt_of(case))
    assert (
        reporter.post("/api/v1/reporter/manager", {"approved": False}, format="json").status_code
        == 200
    )
    assert ManagerProposal.objects.get().status == "refused"
    assert client.post(f"/api/v1/cases/{case.id}/transitions/start_informal").status_code == 409
    # Nothing waits for an answer any more.
    again = reporter.post("/api/v1/reporter/manager", {"approved": True}, format="json")
    assert again.status_code == 400
    assert ManagerProposal.objects.get().status == "refused"


def test_the_person_the_report_names_cannot_be_proposed_as_the_manager(
    entity: Any, focal_point: Any, staff_api: Any, walk_case: Any
) -> None:
    case = walk_case(
        case_naming(
            entity, "Peter Olsen", channel="manager_intervention", consents=MANAGER_CONSENTS
        ),
        "assessment",
    )
    response = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/manager-proposals", {"name": "olsen peter"}, format="json"
    )
    assert response.status_code == 400
    assert not ManagerProposal.objects.exists()


def test_the_case_page_says_why_the_intervention_waits_and_proposes_a_manager(
    open_case: Any, walk_case: Any, focal_point: Any
) -> None:
    case = _manager_case(open_case, walk_case)
    client = signed_in(focal_point)
    page = html.unescape(client.get(f"/staff/cases/{case.id}/").content.decode())
    assert "the reporter has not approved a manager to intervene" in page
    response = client.post(
        f"/staff/cases/{case.id}/manager", {"name": "Grace Achieng"}, follow=True
    )
    page = html.unescape(response.content.decode())
    assert "the reporter is asked to approve them first" in page
    assert "Grace Achieng: Waiting for the reporter" in page
    refused = client.post(f"/staff/cases/{case.id}/transitions/start_informal", follow=True)
    assert "has not approved a manager" in html.unescape(refused.content.decode())
    assert Case.objects.get(pk=case.pk).state == "assessment"


def test_the_reporter_approves_the_manager_on_the_portal_page(
    open_case: Any, walk_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = _manager_case(open_case, walk_case)
    staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/manager-proposals", {"name": "Grace Achieng"}, format="json"
    )
    client = _portal(case)
    page = html.unescape(client.get("/my-report/").content.decode())
    assert "The focal point proposes Grace Achieng" in page
    response = client.post("/my-report/manager", {"decision": "approve"}, follow=True)
    assert "You approved the manager." in html.unescape(response.content.decode())
    assert ManagerProposal.objects.get().status == "approved"
