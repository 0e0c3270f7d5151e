"""Every transition of the contract's table, allowed and refused, and every consent gate."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case
from reports.vocabulary import ConsentAction
from tests.cases.conftest import force_state

pytestmark = pytest.mark.django_db

ALL_CONSENTS = {action: True for action in ConsentAction.values}

# The contract's table: transition -> (source states, target state).
TABLE: dict[str, tuple[set[str], str]] = {
    "acknowledge": ({"received"}, "acknowledged"),
    "begin_assessment": ({"acknowledged"}, "assessment"),
    "start_informal": ({"assessment", "on_hold"}, "informal_resolution"),
    "escalate_to_formal": ({"assessment", "informal_resolution", "on_hold"}, "formal_review"),
    "open_investigation": ({"formal_review"}, "investigation"),
    "record_findings": ({"investigation"}, "findings"),
    "start_disciplinary": ({"findings"}, "disciplinary"),
    "put_on_hold": (
        {
            "received",
            "acknowledged",
            "assessment",
            "informal_resolution",
            "formal_review",
            "investigation",
            "findings",
            "disciplinary",
        },
        "on_hold",
    ),
    "resume": ({"on_hold"}, "assessment"),
    "close": (
        {"assessment", "informal_resolution", "findings", "disciplinary", "on_hold"},
        "closed",
    ),
}
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
BODIES = {
    "record_findings": {"outcome": "substantiated"},
    "close": {"closure_reason": "resolved_informally"},
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", list(TABLE))
def test_transition_follows_the_contract_table(
    state: str, name: str, open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    # Given a case in `state` whose reporter granted every consent (findings substantiated)
    case = force_state(open_case(consents=ALL_CONSENTS), state, outcome="substantiated")
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
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = force_state(open_case(consents=ALL_CONSENTS), "findings", outcome="unsubstantiated")
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
    name: str, body: dict[str, str], open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    state = "investigation" if name == "record_findings" else "assessment"
    case = force_state(open_case(consents=ALL_CONSENTS), state)
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
    open_case: Any,
    focal_point: Any,
    staff_api: Any,
) -> None:
    # Given every consent except those the transition needs
    consents = {**ALL_CONSENTS, **{action: False for action in needed}}
    if "case_review" in needed:
        # Case review must exist for the case to exist at all: withdraw it after opening.
        case = open_case(channel=channel, consents=ALL_CONSENTS)
        from reports.models import Consent

        Consent.objects.create(
            report=case.report,
            action="case_review",
            granted=False,
            source="portal",
            recorded_at=timezone.now(),
        )
    else:
        case = open_case(channel=channel, consents=consents)
    case = force_state(case, state)
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
    open_case: Any, focal_point: Any, staff_api: Any
) -> None:
    case = force_state(open_case(consents=ALL_CONSENTS), "assessment")
    detail = staff_api(focal_point).get(f"/api/v1/cases/{case.id}").json()
    assert {"start_informal", "escalate_to_formal", "put_on_hold", "close"} <= set(
        detail["allowed_transitions"]
    )
    assert detail["blocked_transitions"] == []


def test_the_state_field_cannot_be_assigned(open_case: Any) -> None:
    case = open_case()
    with pytest.raises(AttributeError):
        case.state = "closed"
