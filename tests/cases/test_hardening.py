"""Regressions from the first review of the case workflow: refusals are clean, sealed and
shredded reports never cause half-done work, overrides pass only what they were approved for,
and access follows consent."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case
from demo.directory import demo_directory_create
from referrals.models import Referral, ServiceEntry
from reports.models import Consent
from tests.cases.conftest import force_state, receipt_of
from vault import envelope

pytestmark = pytest.mark.django_db
ALL = {
    "case_review": True,
    "ombudsperson_referral": True,
    "formal_investigation": True,
    "contact_alleged_perpetrator": True,
    "support_referral": True,
}


def withdraw(case: Case, action: str) -> None:
    reporter = APIClient()
    token = reporter.post(
        "/api/v1/reporter/session", {"receipt": receipt_of(case)}, format="json"
    ).json()["token"]
    reporter.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (
        reporter.post(
            "/api/v1/reporter/consents", {"action": action, "granted": False}, format="json"
        ).status_code
        == 201
    )


def test_unknown_api_paths_answer_json_404_for_every_method_even_with_csrf_checks(db: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    for method, path in [
        ("post", "/api/v1/cases/123/transitions/acknowledge"),
        ("post", "/api/v1/reporter/nope"),
        ("put", "/api/v1/nothing"),
        ("get", "/api/v1/nothing"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"] == "not_found"
    assert client.post("/healthz").status_code == 405


def test_contract_endpoints_need_no_csrf_token(db: Any, entity: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/reporter/session",
        {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_receipt"


def test_a_body_over_the_limit_is_413_too_large(db: Any) -> None:
    response = Client().post(
        "/api/v1/reports", "x" * (1024 * 1024 + 10), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_steps_on_a_sealed_report_are_refused_and_change_nothing(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = force_state(open_case(consents=ALL), "assessment")
    withdraw(case, "case_review")
    client = staff_api(focal_point)
    # Escalating would have started a formal process and kept the report readable: blocked.
    escalate = client.post(
        f"/api/v1/cases/{case.id}/transitions/escalate_to_formal", {}, format="json"
    )
    assert escalate.status_code == 409
    assert escalate.json()["missing"] == ["case_review"]
    with_note = client.post(
        f"/api/v1/cases/{case.id}/transitions/put_on_hold", {"note": "x"}, format="json"
    )
    assert with_note.status_code == 409
    assert with_note.json()["missing"] == ["case_review"]
    assert Case.objects.get(pk=case.pk).state == "assessment"
    referral = client.post(
        f"/api/v1/cases/{case.id}/referrals", {"service": "staff_counsellor"}, format="json"
    )
    assert referral.status_code == 409
    detail = client.get(f"/api/v1/cases/{case.id}").json()
    assert detail["sealed"] is True and detail["narrative"] is None
    held = client.post(f"/api/v1/cases/{case.id}/transitions/put_on_hold", {}, format="json")
    assert held.status_code == 200


def test_a_shredded_report_still_answers_cleanly(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    from reports.shredding import report_shred

    case = open_case(consents=ALL)
    report_shred(report=case.report, actor=None)
    client = staff_api(focal_point)
    assert client.get(f"/api/v1/cases/{case.id}").json()["sealed"] is True
    response = client.post(f"/api/v1/cases/{case.id}/transitions/put_on_hold", {}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "on_hold"


def test_referral_checks_consent_before_the_directory_and_validates_ids(
    open_case: Any, focal_point: Any, staff_api: Any, entity: Any
) -> None:
    case = open_case(consents={"case_review": True})
    client = staff_api(focal_point)
    refused = client.post(
        f"/api/v1/cases/{case.id}/referrals", {"service": "medical"}, format="json"
    )
    assert refused.status_code == 409
    assert refused.json() == {
        **refused.json(),
        "error": "consent_required",
        "missing": ["support_referral"],
    }
    bad_id = client.post(
        f"/api/v1/cases/{case.id}/referrals", {"service": {"service_id": "abc"}}, format="json"
    )
    assert bad_id.status_code == 400
    demo_directory_create(entities=[entity])
    granted = open_case(consents=ALL)
    made = client.post(
        f"/api/v1/cases/{granted.id}/referrals",
        {"service": "medical", "note": "Needs a doctor"},
        format="json",
    )
    assert made.status_code == 201
    assert Referral.objects.filter(case=granted, kind="medical").count() == 1


def test_transition_not_allowed_lists_what_the_case_page_allows(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = force_state(open_case(consents={"case_review": True}), "assessment")
    client = staff_api(focal_point)
    refused = client.post(
        f"/api/v1/cases/{case.id}/transitions/record_findings",
        {"outcome": "substantiated"},
        format="json",
    )
    assert refused.status_code == 409
    assert sorted(refused.json()["allowed"]) == sorted(
        client.get(f"/api/v1/cases/{case.id}").json()["allowed_transitions"]
    )
    unknown = client.post(f"/api/v1/cases/{case.id}/transitions/teleport", {}, format="json")
    assert unknown.status_code == 409
    assert unknown.json()["error"] == "transition_not_allowed"


def test_acknowledging_assigns_the_case(open_case: Any, focal_point: Any, staff_api: Any) -> None:
    case = open_case(consents=ALL)
    staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/transitions/acknowledge", {}, format="json"
    )
    assert Case.objects.get(pk=case.pk).assigned_to == focal_point


def test_ombudsperson_loses_access_when_the_referral_consent_is_withdrawn(
    open_case: Any, make_staff: Any, staff_api: Any, entity: Any, focal_point: Any
) -> None:
    ombudsperson = make_staff("ombudsperson", username="ombuds_x")
    case = open_case(consents=ALL)
    service = ServiceEntry.objects.create(
        entity=entity, kind="ombudsperson", name="Ombuds", staff_user=ombudsperson
    )
    Referral.objects.create(
        case=case, service=service, kind="ombudsperson", referred_by=focal_point
    )
    client = staff_api(ombudsperson)
    assert client.get(f"/api/v1/cases/{case.id}").status_code == 200
    withdraw(case, "ombudsperson_referral")
    assert client.get(f"/api/v1/cases/{case.id}").status_code == 404
    assert client.get("/api/v1/cases").json() == []


def test_an_override_passes_only_the_consents_it_was_approved_for(
    open_case: Any, focal_point: Any, second_focal_point: Any, staff_api: Any
) -> None:
    case = force_state(
        open_case(consents={"case_review": True, "formal_investigation": True}),
        "formal_review",
        formal_started_at=timezone.now(),
    )
    requester, approver = staff_api(focal_point), staff_api(second_focal_point)
    requested = requester.post(
        f"/api/v1/cases/{case.id}/overrides",
        {
            "transition": "open_investigation",
            "justification": "Witnesses report an ongoing risk to others.",
        },
        format="json",
    )
    assert requested.status_code == 202
    assert approver.post(f"/api/v1/overrides/{requested.json()['id']}/approve").status_code == 200
    # The reporter then withdraws the other consent the step needs: the override does not cover it.
    withdraw(case, "formal_investigation")
    blocked = requester.post(
        f"/api/v1/cases/{case.id}/transitions/open_investigation", {}, format="json"
    )
    assert blocked.status_code == 409
    assert blocked.json()["missing"] == ["formal_investigation"]
    again = approver.post(f"/api/v1/overrides/{requested.json()['id']}/approve")
    assert again.status_code in (403, 409)


def test_an_override_is_only_for_a_step_possible_now(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = open_case(consents={"case_review": True})
    response = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/overrides",
        {
            "transition": "open_investigation",
            "justification": "Witnesses report an ongoing risk to others.",
        },
        format="json",
    )
    assert response.status_code == 400


def test_deciding_an_override_twice_is_a_conflict(
    open_case: Any, focal_point: Any, second_focal_point: Any, make_staff: Any, staff_api: Any
) -> None:
    case = force_state(open_case(consents={"case_review": True}), "assessment")
    override_id = (
        staff_api(focal_point)
        .post(
            f"/api/v1/cases/{case.id}/overrides",
            {
                "transition": "start_informal",
                "justification": "Witnesses report an ongoing risk to others.",
            },
            format="json",
        )
        .json()["id"]
    )
    assert (
        staff_api(second_focal_point).post(f"/api/v1/overrides/{override_id}/approve").status_code
        == 200
    )
    third = make_staff("focal_point", username="fp_three")
    again = staff_api(third).post(f"/api/v1/overrides/{override_id}/approve")
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"


def test_an_investigator_is_assigned_to_a_formal_case_and_then_sees_it(
    open_case: Any, focal_point: Any, make_staff: Any, staff_api: Any
) -> None:
    investigator = make_staff("investigator", username="inv_x")
    informal = open_case(consents=ALL)
    client = staff_api(focal_point)
    refused = client.post(
        f"/api/v1/cases/{informal.id}/assignment",
        {"username": "inv_x", "mode": "investigator"},
        format="json",
    )
    assert refused.status_code == 400
    formal = force_state(open_case(consents=ALL), "investigation", formal_started_at=timezone.now())
    assigned = client.post(
        f"/api/v1/cases/{formal.id}/assignment",
        {"username": "inv_x", "mode": "investigator"},
        format="json",
    )
    assert assigned.status_code == 200
    assert [c["id"] for c in staff_api(investigator).get("/api/v1/cases").json()] == [
        str(formal.id)
    ]


def test_resuming_a_case_held_before_acknowledgement_acknowledges_it(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = open_case(consents=ALL)
    client = staff_api(focal_point)
    client.post(f"/api/v1/cases/{case.id}/transitions/put_on_hold", {}, format="json")
    resumed = client.post(f"/api/v1/cases/{case.id}/transitions/resume", {}, format="json")
    assert resumed.status_code == 200
    stored = Case.objects.get(pk=case.pk)
    assert stored.acknowledged_at is not None and stored.feedback_due is not None


def test_consents_must_be_json_booleans(db: Any, entity: Any) -> None:
    body = {
        "entity": "UNW",
        "category": "verbal",
        "route": "record_only",
        "narrative": "n",
        "reporter_role": "witness",
        "identity_disclosure": "anonymous",
        "consents": {"case_review": "yes"},
    }
    response = APIClient().post("/api/v1/reports", body, format="json")
    assert response.status_code == 400
    assert "consents" in response.json()["fields"]
    assert not Consent.objects.exists()


def test_labels_stay_out_of_the_audit_trail(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    from audit.models import AuditEntry

    case = open_case(consents=ALL)
    staff_api(focal_point).put(
        f"/api/v1/cases/{case.id}/labels", {"labels": ["CANARY-LABEL"]}, format="json"
    )
    assert not AuditEntry.objects.filter(detail__icontains="CANARY-LABEL").exists()
    assert envelope.is_sealed(case.report.data_key) is False


def test_an_unused_override_does_not_outlive_the_next_step(
    open_case: Any, focal_point: Any, second_focal_point: Any, staff_api: Any
) -> None:
    case = force_state(open_case(consents={"case_review": True}), "assessment")
    requester, approver = staff_api(focal_point), staff_api(second_focal_point)
    override_id = requester.post(
        f"/api/v1/cases/{case.id}/overrides",
        {
            "transition": "escalate_to_formal",
            "justification": "Witnesses report an ongoing risk to others.",
        },
        format="json",
    ).json()["id"]
    assert approver.post(f"/api/v1/overrides/{override_id}/approve").status_code == 200
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
    open_case: Any, focal_point: Any, second_focal_point: Any, staff_api: Any
) -> None:
    case = force_state(open_case(consents={"case_review": True}), "assessment")
    override_id = (
        staff_api(focal_point)
        .post(
            f"/api/v1/cases/{case.id}/overrides",
            {
                "transition": "escalate_to_formal",
                "justification": "Witnesses report an ongoing risk to others.",
            },
            format="json",
        )
        .json()["id"]
    )
    reporter = APIClient()
    token = reporter.post(
        "/api/v1/reporter/session", {"receipt": receipt_of(case)}, format="json"
    ).json()["token"]
    reporter.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    reporter.post(
        "/api/v1/reporter/consents",
        {"action": "formal_investigation", "granted": True},
        format="json",
    )
    response = staff_api(second_focal_point).post(f"/api/v1/overrides/{override_id}/approve")
    assert response.status_code == 409


def test_an_emptied_audit_stream_is_detected(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    from audit.models import AuditStreamHead

    case = open_case()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE audit_auditentry")  # row triggers do not fire on TRUNCATE
    AuditStreamHead.objects.all().delete()
    assert (
        staff_api(focal_point).get(f"/api/v1/cases/{case.id}/audit").json()["chain_valid"] is False
    )
    with pytest.raises(SystemExit):
        call_command("verify_audit_chain", stderr=StringIO())
