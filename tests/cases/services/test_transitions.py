"""Running one transition (``cases.services.transitions``): every transition of the contract's
table, allowed and refused, and every consent gate; clean refusals that change nothing; what a
move tells the reporter and the assigned focal point; what one transition costs; two at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from audit import services as audit_services
from audit.models import AuditEntry
from cases.models import Case, CaseMeasure
from cases.selectors import cases_visible_to
from cases.services import transitions as transition_services
from cases.services.shredding import report_shred
from notifications.models import OutboxMessage
from referrals.models import ServiceEntry
from tests.helpers.audit import audit_actions_since, audit_length
from tests.helpers.reporter import (
    ALL_CONSENTS,
    WORKFLOW_CONSENTS,
    consent_change,
    receipt_of,
    record_withdrawal,
    sign_in,
)
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db


# --- The contract's table and its consent gates -----------------------------------------------


STATES = [
    "received",
    "acknowledged",
    "assessment",
    "informal_resolution",
    "formal_review",
    "investigation",
    "findings",
    "disciplinary",
    "on_hold",
    "closed",
]
# The contract's table: transition -> (source states, target state).
TABLE: dict[str, tuple[set[str], str]] = {
    "acknowledge": ({"received"}, "acknowledged"),
    "begin_assessment": ({"acknowledged"}, "assessment"),
    "start_informal": ({"assessment", "on_hold"}, "informal_resolution"),
    "escalate_to_formal": ({"assessment", "informal_resolution", "on_hold"}, "formal_review"),
    "open_investigation": ({"formal_review"}, "investigation"),
    "record_findings": ({"investigation"}, "findings"),
    "start_disciplinary": ({"findings"}, "disciplinary"),
    # "any open state"
    "put_on_hold": (set(STATES) - {"on_hold", "closed"}, "on_hold"),
    "resume": ({"on_hold"}, "assessment"),
    "close": (
        {"assessment", "informal_resolution", "findings", "disciplinary", "on_hold"},
        "closed",
    ),
}
BODIES = {
    "record_findings": {"outcome": "substantiated"},
    "close": {"closure_reason": "resolved_informally"},
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", list(TABLE))
def test_transition_follows_the_contract_table(
    state: str, name: str, case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    # Given a case in `state` whose reporter granted every consent (findings substantiated)
    case = case_in_state(state, consents=ALL_CONSENTS, outcome="substantiated")
    client = staff_api(focal_point)
    # When the focal point asks for the transition
    response = client.post(
        f"/api/v1/cases/{case.id}/transitions/{name}", BODIES.get(name, {}), format="json"
    )
    sources, target = TABLE[name]
    # Then it runs exactly from the table's source states
    if state in sources:
        assert response.status_code == 200, response.content
        assert response.json()["state"] == target
        assert Case.objects.get(pk=case.pk).state == target
    else:
        assert response.status_code == 409, response.content
        assert response.json()["error"] == "transition_not_allowed"
        assert name not in response.json()["allowed"]
        assert Case.objects.get(pk=case.pk).state == state


def test_start_disciplinary_needs_substantiated_findings(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("findings", consents=ALL_CONSENTS, outcome="unsubstantiated")
    response = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/transitions/start_disciplinary", {}, format="json"
    )
    assert response.status_code == 409
    assert Case.objects.get(pk=case.pk).state == "findings"
    detail = staff_api(focal_point).get(f"/api/v1/cases/{case.id}").json()
    assert {
        "name": "start_disciplinary",
        "missing": [],
        "reason": "outcome_not_substantiated",
    } in detail["blocked_transitions"]


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("record_findings", {"outcome": "maybe"}),
        ("close", {}),
        ("close", {"closure_reason": "bored"}),
    ],
)
def test_transition_arguments_are_validated_and_nothing_changes(
    name: str, body: dict[str, str], case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    state = "investigation" if name == "record_findings" else "assessment"
    case = case_in_state(state, consents=ALL_CONSENTS)
    response = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/transitions/{name}", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert set(response.json()["fields"]) & {"outcome", "closure_reason"}
    assert Case.objects.get(pk=case.pk).state == state


# Each gated transition: (state to start from, channel, consents it needs).
GATES = [
    ("acknowledge", "received", "ombudsperson", ["case_review"]),
    ("begin_assessment", "acknowledged", "ombudsperson", ["case_review"]),
    ("start_informal", "assessment", "ombudsperson", ["ombudsperson_referral"]),
    ("start_informal", "assessment", "mediation", ["mediation", "contact_alleged_perpetrator"]),
    ("start_informal", "assessment", "manager_intervention", ["contact_alleged_perpetrator"]),
    ("escalate_to_formal", "assessment", "ombudsperson", ["formal_investigation"]),
    (
        "open_investigation",
        "formal_review",
        "ombudsperson",
        ["formal_investigation", "contact_alleged_perpetrator"],
    ),
    ("resume", "on_hold", "ombudsperson", ["case_review"]),
]


@pytest.mark.parametrize(("name", "state", "channel", "needed"), GATES)
def test_each_consent_gate_refuses_without_its_consents(
    name: str,
    state: str,
    channel: str,
    needed: list[str],
    case_in_state: Any,
    focal_point: Any,
    staff_api: Any,
) -> None:
    # Given a case walked to `state` with every consent, whose reporter has since withdrawn the
    # ones the transition needs (case review must be granted for the case to exist at all)
    case = case_in_state(state, channel=channel, consents=ALL_CONSENTS)
    for action in needed:
        record_withdrawal(case.report, action)
    client = staff_api(focal_point)
    # When the transition is attempted
    response = client.post(f"/api/v1/cases/{case.id}/transitions/{name}", {}, format="json")
    # Then it is refused with exactly the missing consents, and the case does not move
    assert response.status_code == 409, response.content
    assert response.json()["error"] == "consent_required"
    assert sorted(response.json()["missing"]) == sorted(needed)
    assert Case.objects.get(pk=case.pk).state == state
    # And the case page explains the block
    detail = client.get(f"/api/v1/cases/{case.id}").json()
    assert {"name": name, "missing": needed, "reason": "consent_required"} in detail[
        "blocked_transitions"
    ]
    assert name not in detail["allowed_transitions"]


def test_a_granted_gate_lists_the_transition_as_allowed(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("assessment", consents=ALL_CONSENTS)
    detail = staff_api(focal_point).get(f"/api/v1/cases/{case.id}").json()
    assert {"start_informal", "escalate_to_formal", "put_on_hold", "close"} <= set(
        detail["allowed_transitions"]
    )
    assert detail["blocked_transitions"] == []


# --- Sealed, shredded or refused: nothing half-done -------------------------------------------


def test_steps_on_a_sealed_report_are_refused_and_change_nothing(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    """Regression (case-workflow review, fixed in 080b1fb): once the reporter withdraws case review,
    no step that would keep the report readable runs, and a refused step (note included) changes
    nothing."""
    case = case_in_state("assessment", consents=WORKFLOW_CONSENTS)
    consent_change(sign_in(receipt_of(case)), "case_review", granted=False)
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
    assert detail["sealed"] is True
    assert detail["narrative"] is None
    held = client.post(f"/api/v1/cases/{case.id}/transitions/put_on_hold", {}, format="json")
    assert held.status_code == 200


def test_a_shredded_report_still_answers_cleanly(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    """Regression (case-workflow review, fixed in 080b1fb): a shredded report reads as sealed,
    without a server error. Since issue 10 no step runs on it, not even one that needs no
    reading: its case is closed and answers 409 ``shredded``."""
    case = open_case(consents=WORKFLOW_CONSENTS)
    report_shred(report=case.report, actor=None)
    client = staff_api(focal_point)
    assert client.get(f"/api/v1/cases/{case.id}").json()["sealed"] is True
    response = client.post(f"/api/v1/cases/{case.id}/transitions/put_on_hold", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"] == "shredded"


def test_transition_not_allowed_lists_what_the_case_page_allows(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    """Regression (case-workflow review, fixed in 080b1fb): a transition_not_allowed answer lists
    exactly the transitions the case page allows, for an unknown transition too."""
    case = case_in_state("assessment")
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
    """Regression (case-workflow review, fixed in 080b1fb): whoever acknowledges an unassigned case
    takes it on."""
    case = open_case(consents=WORKFLOW_CONSENTS)
    staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/transitions/acknowledge", {}, format="json"
    )
    assert Case.objects.get(pk=case.pk).assigned_to == focal_point


def test_resuming_a_case_held_before_acknowledgement_acknowledges_it(
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    """Regression (case-workflow review, fixed in 080b1fb): resuming a case put on hold before it
    was acknowledged acknowledges it, deadlines included."""
    case = open_case(consents=WORKFLOW_CONSENTS)
    client = staff_api(focal_point)
    client.post(f"/api/v1/cases/{case.id}/transitions/put_on_hold", {}, format="json")
    resumed = client.post(f"/api/v1/cases/{case.id}/transitions/resume", {}, format="json")
    assert resumed.status_code == 200
    stored = Case.objects.get(pk=case.pk)
    assert stored.acknowledged_at is not None
    assert stored.feedback_due is not None


# --- What a move and a withdrawal tell the people concerned -----------------------------------


def test_withdrawn_consent_blocks_later_transitions_and_tells_everyone(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    # Given a case in formal review, acknowledged (so assigned) by the focal point
    case = case_in_state("formal_review", consents=WORKFLOW_CONSENTS)
    assert case.assigned_to == focal_point
    reporter = sign_in(receipt_of(case))
    before = OutboxMessage.objects.count()
    # When the reporter withdraws consent to contacting the person responsible
    consent_change(reporter, "contact_alleged_perpetrator", granted=False)
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
    case = open_case(consents=WORKFLOW_CONSENTS)
    reporter = sign_in(receipt_of(case))
    client = staff_api(focal_point)
    for name, state in [("acknowledge", "acknowledged"), ("begin_assessment", "assessment")]:
        client.post(f"/api/v1/cases/{case.id}/transitions/{name}", {}, format="json")
        view = reporter.get("/api/v1/reporter/report").json()
        assert view["state"] == state
        assert view["timeline"][-1]["label"] == view["status_label"]


# --- What one transition costs (issue 8): its case loaded once, one audit entry for the move ---


@contextmanager
def case_loads_counted(most_queries: Any) -> Iterator[Callable[[], int]]:
    """Runs the block under ``most_queries`` (pytest-django's ``django_assert_max_num_queries``
    with its limit); yields how many times the block read a case row."""
    with CaptureQueriesContext(connection) as queries, most_queries:
        yield lambda: sum(
            1
            for query in queries.captured_queries
            if query["sql"].startswith("SELECT") and 'FROM "cases_case"' in query["sql"]
        )


def test_a_transition_through_the_api_loads_the_case_once_and_audits_the_move_once(
    open_case: Any, focal_point: Any, staff_api: Any, django_assert_max_num_queries: Any
) -> None:
    # Given a received case and a signed-in focal point
    case = open_case()
    client = staff_api(focal_point)
    before = audit_length(case)
    # When the focal point acknowledges it through the API (the answer's decrypted read locks
    # the report and reads its consents under that lock, as every writer does: issue 10; each
    # lock reads the data key after it, never joined into the locking query: reports.locking;
    # CASE's interim measures, reports of retaliation and the advocate's rights concerns are
    # one query each: issue 12; one asks whether a colleague waits for the report's key: issue 14)
    with case_loads_counted(django_assert_max_num_queries(39)) as case_loads:
        response = client.post(
            f"/api/v1/cases/{case.id}/transitions/acknowledge", {}, format="json"
        )
    # Then the case row was read once, and the answer is the case as moved
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "acknowledged"
    assert response.json()["assigned_to"] == focal_point.username
    assert case_loads() == 1
    # And the move has one audit entry; the only other is the audited read of the answer's
    # decrypted narrative (every staff read of it is audited, as the contract says)
    assert audit_actions_since(case, before) == ["case.transition", "case.decrypted_read"]


def test_a_transition_through_the_page_loads_the_case_once_and_audits_the_move_once(
    case_in_state: Any, focal_point: Any, django_assert_max_num_queries: Any
) -> None:
    case = case_in_state("assessment")
    client = signed_in(focal_point)
    before = audit_length(case)
    # (the report's data key is read after its lock is held: reports.locking)
    with case_loads_counted(django_assert_max_num_queries(21)) as case_loads:
        response = client.post(
            f"/staff/cases/{case.id}/transitions/close",
            {
                "closure_reason": "referred_elsewhere",
                "note": "Referred to the staff union.",
                "confirm": "yes",  # closing asks for a confirmation on the page (issue 11)
            },
        )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == "closed"
    assert case_loads() == 1
    assert audit_actions_since(case, before) == ["case.transition"]


def test_a_refused_transition_writes_no_audit_entry(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("assessment")
    before = audit_length(case)
    refused = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/transitions/start_informal", {}, format="json"
    )
    assert refused.status_code == 409
    assert audit_actions_since(case, before) == []


# --- Two simultaneous transitions on PostgreSQL: one succeeds, the other is a 409 conflict and
# writes nothing.


@pytest.mark.django_db(transaction=True)
def test_simultaneous_transitions_give_one_success_and_one_conflict(
    open_case: Any,
    focal_point: Any,
    second_focal_point: Any,
    staff_api: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = open_case()
    first, second = staff_api(focal_point), staff_api(second_focal_point)
    first_saved = threading.Event()
    second_started = threading.Event()
    real_audit_record = audit_services.audit_record

    def audit_after_pause(**kwargs: Any) -> Any:
        # The first request has saved the new state but not committed: hold it there until the
        # second request is blocked on the same row.
        if threading.current_thread().name == "first" and not first_saved.is_set():
            first_saved.set()
            second_started.wait(timeout=10)
            time.sleep(1.0)
        return real_audit_record(**kwargs)

    monkeypatch.setattr(transition_services, "audit_record", audit_after_pause)
    results: dict[str, Any] = {}

    def run(name: str, client: Any, transition: str) -> None:
        try:
            if name == "second":
                first_saved.wait(timeout=10)
                second_started.set()
            results[name] = client.post(
                f"/api/v1/cases/{case.id}/transitions/{transition}", {}, format="json"
            )
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, name="first", args=("first", first, "acknowledge")),
        threading.Thread(target=run, name="second", args=("second", second, "put_on_hold")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results["first"].status_code == 200, results["first"].content
    assert results["second"].status_code == 409, results["second"].content
    assert results["second"].json()["error"] == "conflict"
    # Nothing half-written: the state is the winner's and only the winner's transition is audited.
    assert Case.objects.get(pk=case.pk).state == "acknowledged"
    transitions = AuditEntry.objects.filter(stream=str(case.report_id), action="case.transition")
    assert [entry.detail["transition"] for entry in transitions] == ["acknowledge"]


# --- Measures after substantiated findings, and the closure reasons --------------------------


def _transition_audit_detail(case: Case) -> dict[str, Any]:
    entry = (
        AuditEntry.objects.filter(stream=str(case.report_id), action="case.transition")
        .order_by("position")
        .last()
    )
    assert entry is not None
    detail: dict[str, Any] = entry.detail
    return detail


def test_measures_given_when_a_disciplinary_process_starts_are_recorded_and_answered(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    # Given substantiated findings
    case = case_in_state("findings", consents=ALL_CONSENTS, outcome="substantiated")
    # When the focal point starts the disciplinary process with two measures
    response = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/transitions/start_disciplinary",
        {"measures": ["written_censure", "demotion"]},
        format="json",
    )
    # Then the case holds them, the CASE answer lists them (in the vocabulary's order) and the
    # move's audit entry names their codes
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "disciplinary"
    assert response.json()["measures"] == ["demotion", "written_censure"]
    assert set(CaseMeasure.objects.filter(case=case).values_list("measure", flat=True)) == {
        "demotion",
        "written_censure",
    }
    assert _transition_audit_detail(case)["measures"] == ["demotion", "written_censure"]
    detail = staff_api(focal_point).get(f"/api/v1/cases/{case.id}").json()
    assert detail["measures"] == ["demotion", "written_censure"]


def test_a_case_without_measures_answers_an_empty_list(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("assessment", consents=ALL_CONSENTS)
    assert staff_api(focal_point).get(f"/api/v1/cases/{case.id}").json()["measures"] == []


@pytest.mark.parametrize("state", ["findings", "disciplinary"])
def test_closing_after_substantiated_findings_records_the_measures_as_last_decided(
    state: str, case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    # Given substantiated findings (and, in a disciplinary process, a measure recorded earlier)
    case = case_in_state(state, consents=ALL_CONSENTS, outcome="substantiated")
    if state == "disciplinary":
        CaseMeasure.objects.create(case=case, measure="written_censure")
    # When the case is closed with the measures taken
    response = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/transitions/close",
        {"closure_reason": "substantiated_measures_taken", "measures": ["dismissal"]},
        format="json",
    )
    # Then the case holds those measures only, and the audit entry names them
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "closed"
    assert response.json()["closure_reason"] == "substantiated_measures_taken"
    assert response.json()["measures"] == ["dismissal"]
    assert list(CaseMeasure.objects.filter(case=case).values_list("measure", flat=True)) == [
        "dismissal"
    ]
    assert _transition_audit_detail(case)["measures"] == ["dismissal"]


def test_closing_after_substantiated_findings_without_measures_keeps_those_recorded(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("findings", consents=ALL_CONSENTS, outcome="substantiated")
    client = staff_api(focal_point)
    client.post(
        f"/api/v1/cases/{case.id}/transitions/start_disciplinary",
        {"measures": ["fine"]},
        format="json",
    )
    response = client.post(
        f"/api/v1/cases/{case.id}/transitions/close",
        {"closure_reason": "substantiated_measures_taken"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["measures"] == ["fine"]


@pytest.mark.parametrize("state", ["assessment", "on_hold"])
def test_the_subject_separated_during_investigation_closure_reason_is_accepted(
    state: str, case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state(state, consents=ALL_CONSENTS)
    response = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/transitions/close",
        {"closure_reason": "subject_separated_during_investigation"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["closure_reason"] == "subject_separated_during_investigation"
    assert Case.objects.get(pk=case.pk).closure_reason == "subject_separated_during_investigation"


# Refused measures: (state, outcome of the findings, transition, body).
REFUSED_MEASURES = [
    # an unknown code
    ("findings", "substantiated", "start_disciplinary", {"measures": ["public_shaming"]}),
    ("findings", "substantiated", "start_disciplinary", {"measures": ["fine", "flogging"]}),
    # not a list of codes
    ("findings", "substantiated", "start_disciplinary", {"measures": "fine"}),
    ("findings", "substantiated", "start_disciplinary", {"measures": [{"code": "fine"}]}),
    # "none" with another measure
    ("findings", "substantiated", "start_disciplinary", {"measures": ["none", "fine"]}),
    (
        "disciplinary",
        "substantiated",
        "close",
        {"closure_reason": "substantiated_measures_taken", "measures": ["dismissal", "none"]},
    ),
    # another transition
    ("findings", "substantiated", "put_on_hold", {"measures": ["fine"]}),
    (
        "investigation",
        "substantiated",
        "record_findings",
        {"outcome": "substantiated", "measures": ["fine"]},
    ),
    # close without substantiated findings
    (
        "assessment",
        "substantiated",
        "close",
        {"closure_reason": "resolved_informally", "measures": ["fine"]},
    ),
    (
        "findings",
        "unsubstantiated",
        "close",
        {"closure_reason": "unsubstantiated", "measures": ["none"]},
    ),
]


@pytest.mark.parametrize(("state", "outcome", "name", "body"), REFUSED_MEASURES)
def test_refused_measures_are_a_validation_error_naming_them_and_change_nothing(
    state: str,
    outcome: str,
    name: str,
    body: dict[str, Any],
    case_in_state: Any,
    focal_point: Any,
    staff_api: Any,
) -> None:
    # Given a case with no measures recorded
    case = case_in_state(state, consents=ALL_CONSENTS, outcome=outcome)
    before = audit_length(case)
    # When measures are sent that the transition may not take
    response = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/transitions/{name}", body, format="json"
    )
    # Then the answer is a validation error naming the measures, and nothing changed
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "validation_error"
    assert set(response.json()["fields"]) == {"measures"}
    after = Case.objects.get(pk=case.pk)
    assert after.state == state
    assert after.closure_reason == ""
    assert not CaseMeasure.objects.filter(case=case).exists()
    assert audit_actions_since(case, before) == []


def test_an_empty_list_of_measures_is_no_measure_wherever_it_is_sent(
    case_in_state: Any, focal_point: Any, staff_api: Any
) -> None:
    case = case_in_state("assessment", consents=ALL_CONSENTS)
    response = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/transitions/put_on_hold", {"measures": []}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["measures"] == []


# --- The informal route with the ombudsperson channel reaches her (issue 11) ---------------------


def test_starting_the_informal_route_with_the_ombudsperson_refers_the_case_to_her_issue_11(
    open_case: Any, walk_case: Any, focal_point: Any, ombudsperson: Any
) -> None:
    # Given an ombudsperson in the entity's directory and a reporter who chose her and agreed
    ServiceEntry.objects.create(
        entity=focal_point.entity, kind="ombudsperson", name="Ombudsperson", staff_user=ombudsperson
    )
    case = open_case(consents=WORKFLOW_CONSENTS)
    assert case not in cases_visible_to(ombudsperson)
    before = audit_length(case)
    # When the focal point starts the informal route
    walk_case(case, "informal_resolution", by=focal_point)
    # Then the case is referred to her, recorded, and in her list
    assert case in cases_visible_to(ombudsperson)
    assert "referral.made" in audit_actions_since(case, before)
    # And one referral records it
    assert case.referrals.count() == 1


def test_without_an_ombudsperson_in_the_directory_the_informal_route_still_starts_issue_11(
    open_case: Any, walk_case: Any, focal_point: Any, ombudsperson: Any
) -> None:
    case = open_case(consents=WORKFLOW_CONSENTS)

    walk_case(case, "informal_resolution", by=focal_point)

    case.refresh_from_db()
    assert case.state == "informal_resolution"
    assert not case.referrals.exists()
    assert case not in cases_visible_to(ombudsperson)


def test_another_informal_channel_refers_nobody_to_the_ombudsperson_issue_11(
    open_case: Any, walk_case: Any, focal_point: Any, ombudsperson: Any
) -> None:
    ServiceEntry.objects.create(
        entity=focal_point.entity, kind="ombudsperson", name="Ombudsperson", staff_user=ombudsperson
    )
    case = open_case(consents={**WORKFLOW_CONSENTS, "mediation": True}, channel="mediation")

    walk_case(case, "informal_resolution", by=focal_point)

    assert not case.referrals.exists()
