"""Withdrawn consent, deadlines, the reporter's view after transitions, assignment and turnover,
internal notes and labels."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, InternalNote
from cases.services.assignment import cases_hand_over
from notifications.models import OutboxMessage
from tests.cases.conftest import force_state, receipt_of
from vault import envelope

pytestmark = pytest.mark.django_db
ALL = {
    "case_review": True,
    "ombudsperson_referral": True,
    "formal_investigation": True,
    "contact_alleged_perpetrator": True,
}


def reporter_client(receipt: str) -> APIClient:
    client = APIClient()
    token = client.post("/api/v1/reporter/session", {"receipt": receipt}, format="json").json()[
        "token"
    ]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_withdrawn_consent_blocks_later_transitions_and_tells_everyone(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = force_state(open_case(consents=ALL), "formal_review", formal_started_at=timezone.now())
    Case.objects.filter(pk=case.pk).update(assigned_to=focal_point)
    reporter = reporter_client(receipt_of(case))
    before = OutboxMessage.objects.count()
    # When the reporter withdraws consent to contacting the person responsible
    response = reporter.post(
        "/api/v1/reporter/consents",
        {"action": "contact_alleged_perpetrator", "granted": False},
        format="json",
    )
    assert response.status_code == 201
    # Then opening the investigation is blocked with that consent named
    refused = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/transitions/open_investigation", {}, format="json"
    )
    assert refused.status_code == 409
    assert refused.json()["missing"] == ["contact_alleged_perpetrator"]
    # And the assigned focal point is told (through the outbox, without content)
    alerts = OutboxMessage.objects.all()[before:]
    assert [m.payload["kind"] for m in alerts] == ["consent_changed"]
    assert alerts[0].payload["user_ids"] == [focal_point.id]
    # And the reporter sees the effect in plain words
    timeline = [
        entry["label"] for entry in reporter.get("/api/v1/reporter/report").json()["timeline"]
    ]
    assert any("withdrew your consent" in label for label in timeline)


def test_reporter_sees_each_transition(open_case: Any, focal_point: Any, staff_api: Any) -> None:
    case = open_case(consents=ALL)
    reporter = reporter_client(receipt_of(case))
    client = staff_api(focal_point)
    for name, state in [("acknowledge", "acknowledged"), ("begin_assessment", "assessment")]:
        client.post(f"/api/v1/cases/{case.id}/transitions/{name}", {}, format="json")
        view = reporter.get("/api/v1/reporter/report").json()
        assert view["state"] == state
        assert view["timeline"][-1]["label"] == view["status_label"]


def test_deadlines_follow_submission_and_acknowledgement(
    open_case: Any, focal_point: Any, staff_api: Any, entity: Any
) -> None:
    entity.feedback_due_months = 2
    entity.save()
    case = open_case(consents=ALL)
    client = staff_api(focal_point)
    detail = client.get(f"/api/v1/cases/{case.id}").json()
    assert (
        detail["deadlines"]["acknowledgement_due"]
        == (case.report.submitted_on + timedelta(days=7)).isoformat()
    )
    assert detail["deadlines"]["feedback_due"] is None
    client.post(f"/api/v1/cases/{case.id}/transitions/acknowledge", {}, format="json")
    detail = client.get(f"/api/v1/cases/{case.id}").json()
    assert (
        detail["deadlines"]["feedback_due"]
        == (timezone.now() + relativedelta(months=2)).date().isoformat()
    )


def test_overdue_and_due_soon_filters(open_case: Any, focal_point: Any, staff_api: Any) -> None:
    today = timezone.now().date()
    overdue = open_case(consents=ALL)
    Case.objects.filter(pk=overdue.pk).update(acknowledgement_due=today - timedelta(days=1))
    soon = open_case(consents=ALL)
    Case.objects.filter(pk=soon.pk).update(acknowledgement_due=today + timedelta(days=2))
    later = open_case(consents=ALL)
    Case.objects.filter(pk=later.pk).update(acknowledgement_due=today + timedelta(days=20))
    client = staff_api(focal_point)
    assert [c["id"] for c in client.get("/api/v1/cases?due=overdue").json()] == [str(overdue.id)]
    assert [c["id"] for c in client.get("/api/v1/cases?due=soon").json()] == [str(soon.id)]
    listed = {c["id"]: c for c in client.get("/api/v1/cases").json()}
    assert listed[str(overdue.id)]["deadlines"]["acknowledgement_overdue"] is True
    assert listed[str(soon.id)]["deadlines"]["due_soon"] is True
    assert [c["id"] for c in client.get("/api/v1/cases?state=received").json()] != []
    assert client.get("/api/v1/cases?state=closed").json() == []
    assert isinstance(
        date.fromisoformat(listed[str(later.id)]["deadlines"]["acknowledgement_due"]), date
    )


def test_assign_share_and_hand_over(
    open_case: Any,
    focal_point: Any,
    second_focal_point: Any,
    make_staff: Any,
    staff_api: Any,
    other_entity: Any,
) -> None:
    case = open_case(consents=ALL)
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
    outsider = make_staff("focal_point", username="outsider", entity_obj=other_entity)
    refused = client.post(
        f"/api/v1/cases/{case.id}/assignment", {"username": outsider.username}, format="json"
    )
    assert refused.status_code == 400
    second = open_case(consents=ALL)
    Case.objects.filter(pk=second.pk).update(assigned_to=focal_point)
    moved = cases_hand_over(
        departing=focal_point, successor=second_focal_point, actor=second_focal_point
    )
    assert moved == 2
    assert set(Case.objects.values_list("assigned_to__username", flat=True)) == {
        second_focal_point.username
    }
    from audit.models import AuditEntry

    assert (
        AuditEntry.objects.filter(
            action__in=["case.assigned", "case.shared", "case.handed_over"]
        ).count()
        == 4
    )


def test_internal_notes_are_encrypted_and_never_shown_to_the_reporter(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = open_case(consents=ALL)
    client = staff_api(focal_point)
    secret_note = "CANARY-NOTE: check with HR about prior complaints"
    assert (
        client.post(
            f"/api/v1/cases/{case.id}/notes", {"body": secret_note}, format="json"
        ).status_code
        == 201
    )
    note = InternalNote.objects.get()
    assert note.body is not None
    assert secret_note.encode() not in note.body.blob
    key = envelope.open_with_organisation_key(case.report.data_key)
    assert envelope.open_text(note, "body", key) == secret_note
    assert client.get(f"/api/v1/cases/{case.id}").json()["notes"][0]["body"] == secret_note
    assert secret_note not in str(
        reporter_client(receipt_of(case)).get("/api/v1/reporter/report").json()
    )


def test_labels(open_case: Any, focal_point: Any, staff_api: Any) -> None:
    case = open_case(consents=ALL)
    response = staff_api(focal_point).put(
        f"/api/v1/cases/{case.id}/labels",
        {"labels": ["urgent", " field ", "urgent"]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["labels"] == ["field", "urgent"]


def test_staff_download_attachment_is_audited_and_only_for_visible_cases(
    submit_report: Any, focal_point: Any, make_staff: Any, staff_api: Any, other_entity: Any
) -> None:
    from portal.services import (
        ReporterAccess,
        reporter_attachment_add,
        reporter_session_resolve,
        reporter_session_start,
    )
    from reports.attachments import clean_attachment

    report = submit_report(consents=ALL)
    token, _session = reporter_session_start(receipt=report.receipt)
    access = reporter_session_resolve(token)
    assert isinstance(access, ReporterAccess)
    attachment = reporter_attachment_add(
        access=access, attachment=clean_attachment("note.txt", b"CANARY file body")
    )
    case = Case.objects.get(report=report)
    response = staff_api(focal_point).get(f"/api/v1/cases/{case.id}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"CANARY file body"
    from audit.models import AuditEntry

    assert (
        AuditEntry.objects.filter(action="attachment.decrypted_read", actor=focal_point).count()
        == 1
    )
    outsider = make_staff("focal_point", username="outsider2", entity_obj=other_entity)
    assert (
        staff_api(outsider).get(f"/api/v1/cases/{case.id}/attachments/{attachment.id}").status_code
        == 404
    )


def test_handover_in_one_step_through_the_api(
    open_case: Any, focal_point: Any, second_focal_point: Any, make_staff: Any, staff_api: Any
) -> None:
    for _ in range(3):
        case = open_case(consents=ALL)
        Case.objects.filter(pk=case.pk).update(assigned_to=focal_point)
    admin = make_staff("admin", username="admin_all", entity_obj=None)
    response = staff_api(admin).post(
        "/api/v1/staff/handover",
        {"departing": focal_point.username, "successor": second_focal_point.username},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"moved": 3}
    assert not Case.objects.filter(assigned_to=focal_point).exists()
    leader = make_staff("leadership", username="leader2")
    refused = staff_api(leader).post(
        "/api/v1/staff/handover",
        {"departing": second_focal_point.username, "successor": focal_point.username},
        format="json",
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "action",
    [
        "case_review",
        "ombudsperson_referral",
        "mediation",
        "formal_investigation",
        "identity_disclosure",
        "contact_alleged_perpetrator",
        "interim_measures",
        "support_referral",
        "statistics",
    ],
)
def test_the_reporter_is_told_what_stops_when_a_consent_is_withdrawn(
    action: str, open_case: Any
) -> None:
    from reports.timeline import withdrawal_effect

    case = open_case(consents=ALL)
    reporter = reporter_client(receipt_of(case))
    reporter.post("/api/v1/reporter/consents", {"action": action, "granted": False}, format="json")
    last = reporter.get("/api/v1/reporter/report").json()["timeline"]
    effect = withdrawal_effect(action)
    assert effect
    assert any(effect in entry["label"] for entry in last)


def test_every_case_action_is_audited(
    open_case: Any, focal_point: Any, staff_api: Any, entity: Any
) -> None:
    from audit.models import AuditEntry
    from demo.directory import demo_directory_create

    demo_directory_create(entities=[entity])
    case = open_case(consents={**ALL, "support_referral": True})
    reporter = reporter_client(receipt_of(case))
    client = staff_api(focal_point)
    reporter.post(
        "/api/v1/reporter/consents", {"action": "statistics", "granted": True}, format="json"
    )
    reporter.post("/api/v1/reporter/messages", {"body": "Thank you"}, format="json")
    client.post(
        f"/api/v1/cases/{case.id}/referrals", {"service": "staff_counsellor"}, format="json"
    )
    client.get(f"/api/v1/cases/{case.id}/audit")
    actions = list(
        AuditEntry.objects.filter(stream=str(case.report_id)).values_list("action", flat=True)
    )
    for expected in ("consent.granted", "message.from_reporter", "referral.made", "audit.exported"):
        assert expected in actions, expected
