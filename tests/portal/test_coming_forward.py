"""A witness's own path (issue 12, item 2): the witness's consents cover only what concerns the
witness; a formal step about an identifiable affected person needs that person's own consent,
given through a report of their own linked with their agreement (a code the witness passes on),
or an override on a listed ground approved by two people, of which the witness is told."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEntry
from cases.models import Case
from reports.models import AffectedPersonInvitation, Report
from tests.helpers.reporter import receipt_of, report_payload, sign_in, submit

pytestmark = pytest.mark.django_db
FORMAL = {"case_review": True, "formal_investigation": True, "contact_alleged_perpetrator": True}
REASON = "Three other reports name the same supervisor; staff remain at risk every day."


@pytest.fixture
def witness_case(case_in_state: Any) -> Any:
    """A witness's case in assessment: the witness consents to everything formal, and says the
    person it happened to can be identified."""
    return case_in_state(
        "assessment",
        route="formal",
        consents=FORMAL,
        reporter_role="witness",
        affected_person_identifiable="yes",
    )


def _escalate(client: Any, case: Case) -> Any:
    return client.post(f"/api/v1/cases/{case.id}/transitions/escalate_to_formal", {}, format="json")


def _affected_person_comes_forward(code: str, consents: dict[str, bool]) -> Any:
    own = submit(route="formal", informal_channel=None, consents=consents)
    reporter = sign_in(own["receipt"])
    linked = reporter.post(
        "/api/v1/reporter/affected-person-link", {"code": code, "agree": True}, format="json"
    )
    assert linked.status_code == 201, linked.content
    return reporter


def test_the_witnesss_own_consent_does_not_open_a_formal_step_about_the_affected_person(
    witness_case: Any, focal_point: Any, staff_api: Any
) -> None:
    refused = _escalate(staff_api(focal_point), witness_case)
    assert refused.status_code == 409
    assert refused.json()["error"] == "consent_required"
    assert refused.json()["missing"] == ["affected_person_consent"]
    assert Case.objects.get(pk=witness_case.pk).state == "assessment"
    case = staff_api(focal_point).get(f"/api/v1/cases/{witness_case.id}").json()
    assert {"name": "escalate_to_formal", "missing": ["affected_person_consent"]}.items() <= next(
        item for item in case["blocked_transitions"] if item["name"] == "escalate_to_formal"
    ).items()


def test_a_witness_who_says_nobody_can_be_identified_is_not_blocked(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state(
        "assessment",
        route="formal",
        consents=FORMAL,
        reporter_role="witness",
        affected_person_identifiable="no",
    )
    assert _escalate(staff_api(focal_point), case).status_code == 200


def test_the_affected_person_comes_forward_with_the_code_and_their_consent_opens_the_step(
    witness_case: Any, focal_point: Any, staff_api: Any
) -> None:
    # Given the witness takes a code in their portal
    witness = sign_in(receipt_of(witness_case))
    issued = witness.post("/api/v1/reporter/affected-person-code")
    assert issued.status_code == 201
    code = issued.json()["code"]
    # The code is stored nowhere, only its keyed hash
    invitation = AffectedPersonInvitation.objects.get(witness_report=witness_case.report)
    assert code not in invitation.code_index
    assert code.replace("-", "") not in invitation.code_index
    # When the affected person files their own report without formal consent and links it
    reporter = _affected_person_comes_forward(code, {"case_review": True})
    # Then the step is still blocked: their own consent is what counts
    assert _escalate(staff_api(focal_point), witness_case).json()["missing"] == [
        "affected_person_consent"
    ]
    # When they consent to a formal investigation in their own portal
    reporter.post(
        "/api/v1/reporter/consents",
        {"action": "formal_investigation", "granted": True},
        format="json",
    )
    # Then the focal point escalates the witness's case
    moved = _escalate(staff_api(focal_point), witness_case)
    assert moved.status_code == 200
    assert moved.json()["state"] == "formal_review"
    # And both timelines say what happened, and both audit streams record the link
    witness_seen = witness.get("/api/v1/reporter/report").json()
    assert any("came forward" in entry["label"] for entry in witness_seen["timeline"])
    linked_report = invitation.__class__.objects.get(pk=invitation.pk).affected_report
    assert linked_report is not None
    for report in (witness_case.report, linked_report):
        assert AuditEntry.objects.filter(
            stream=str(report.id), action="report.affected_person_linked"
        ).exists()


def test_nothing_links_the_reports_unless_the_affected_person_agrees(
    witness_case: Any,
) -> None:
    code = (
        sign_in(receipt_of(witness_case))
        .post("/api/v1/reporter/affected-person-code")
        .json()["code"]
    )
    own = submit(route="formal", informal_channel=None, consents=FORMAL)
    reporter = sign_in(own["receipt"])
    refused = reporter.post(
        "/api/v1/reporter/affected-person-link", {"code": code, "agree": False}, format="json"
    )
    assert refused.status_code == 400
    assert "agree" in refused.json()["fields"]
    assert not AffectedPersonInvitation.objects.filter(affected_report__isnull=False).exists()


def test_a_wrong_or_spent_code_links_nothing(witness_case: Any) -> None:
    code = (
        sign_in(receipt_of(witness_case))
        .post("/api/v1/reporter/affected-person-code")
        .json()["code"]
    )
    own = submit(route="formal", informal_channel=None, consents=FORMAL)
    reporter = sign_in(own["receipt"])
    wrong = reporter.post(
        "/api/v1/reporter/affected-person-link",
        {"code": "2345-6789-ABCD-EFGH-JKMN", "agree": True},
        format="json",
    )
    assert wrong.status_code == 400
    assert "code" in wrong.json()["fields"]
    # A witness cannot link their own report, nor another witness's report take the code
    witness_link = sign_in(receipt_of(witness_case)).post(
        "/api/v1/reporter/affected-person-link", {"code": code, "agree": True}, format="json"
    )
    assert witness_link.status_code == 400
    assert (
        reporter.post(
            "/api/v1/reporter/affected-person-link", {"code": code, "agree": True}, format="json"
        ).status_code
        == 201
    )
    second = submit(route="formal", informal_channel=None, consents=FORMAL)
    spent = sign_in(second["receipt"]).post(
        "/api/v1/reporter/affected-person-link", {"code": code, "agree": True}, format="json"
    )
    assert spent.status_code == 400
    assert AffectedPersonInvitation.objects.get().affected_report == Report.objects.get(
        reference=own["report"]["reference"]
    )


def test_an_override_past_the_affected_person_needs_a_listed_ground_and_the_witness_is_told(
    witness_case: Any, focal_point: Any, second_focal_point: Any, staff_api: Any
) -> None:
    requester = staff_api(focal_point)
    # Without a ground (the contract's body), going ahead about the affected person is refused
    unnamed = requester.post(
        f"/api/v1/cases/{witness_case.id}/overrides",
        {"transition": "escalate_to_formal", "justification": REASON},
        format="json",
    )
    assert unnamed.status_code == 400
    assert "ground" in unnamed.json()["fields"]
    requested = requester.post(
        f"/api/v1/cases/{witness_case.id}/overrides",
        {"transition": "escalate_to_formal", "justification": REASON, "ground": "risk_to_others"},
        format="json",
    )
    assert requested.status_code == 202
    assert (
        staff_api(second_focal_point)
        .post(f"/api/v1/overrides/{requested.json()['id']}/approve")
        .status_code
        == 200
    )
    # The witness reads the ground before the step runs
    message = next(
        m["body"]
        for m in sign_in(receipt_of(witness_case)).get("/api/v1/reporter/report").json()["messages"]
        if m["from"] == "staff"
    )
    assert "a risk to other people if nothing is done" in message
    assert "without the agreement of the person it happened to" in message
    assert _escalate(requester, witness_case).status_code == 200


def test_the_witness_intake_answer_is_a_plain_column_and_only_a_witness_gives_it(
    entity: Any,
) -> None:
    witness = submit(reporter_role="witness", affected_person_identifiable=True)
    stored = Report.objects.get(reference=witness["report"]["reference"])
    assert stored.affected_person_identifiable == "yes"
    not_said = submit(reporter_role="witness")
    assert (
        Report.objects.get(reference=not_said["report"]["reference"]).affected_person_identifiable
        == "not_asked"
    )
    refused = APIClient().post(
        "/api/v1/reports", report_payload(affected_person_identifiable=True), format="json"
    )
    assert refused.status_code == 400
    assert "affected_person_identifiable" in refused.json()["fields"]
