"""Issue 12, item 3, the handler's side: the retaliation risk and the interim measures the
reporter consents to, recorded at acknowledgement or later."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts.models import User
from audit.models import AuditEntry
from cases.errors import (
    CaseConsentRequiredError,
    CaseForbiddenError,
    CaseInputError,
    RetaliationRiskNotNowError,
)
from cases.models import Case
from cases.services.retaliation import interim_measure_codes, retaliation_risk_record
from tests.helpers.reporter import WORKFLOW_CONSENTS, record_withdrawal

pytestmark = pytest.mark.django_db

WITH_MEASURES = {**WORKFLOW_CONSENTS, "interim_measures": True}


def recorded(case: Case) -> tuple[str, list[str]]:
    fresh = Case.objects.get(pk=case.pk)
    return fresh.retaliation_risk, interim_measure_codes(fresh)


def test_the_handler_records_the_risk_and_the_measures_the_reporter_consented_to(
    case_in_state: Callable[..., Case], focal_point: User
) -> None:
    case = case_in_state("acknowledged", consents=WITH_MEASURES)

    retaliation_risk_record(
        case=case,
        actor=focal_point,
        risk="high",
        interim_measures=["change_of_reporting_line", "no_contact_instruction"],
    )

    # In the vocabulary's order, whatever order they were given in.
    assert recorded(case) == ("high", ["no_contact_instruction", "change_of_reporting_line"])
    entry = AuditEntry.objects.filter(
        stream=str(case.report_id), action="case.retaliation_risk_recorded"
    ).get()
    assert entry.detail == {
        "retaliation_risk": "high",
        "interim_measures": ["no_contact_instruction", "change_of_reporting_line"],
    }
    assert entry.actor_username == focal_point.username


def test_measures_without_the_reporters_consent_are_refused_and_nothing_is_recorded(
    case_in_state: Callable[..., Case], focal_point: User
) -> None:
    case = case_in_state("acknowledged", consents=WORKFLOW_CONSENTS)

    with pytest.raises(CaseConsentRequiredError) as refused:
        retaliation_risk_record(
            case=case, actor=focal_point, risk="medium", interim_measures=["special_leave"]
        )

    assert refused.value.missing == ["interim_measures"]
    assert recorded(case) == ("", [])
    assert not AuditEntry.objects.filter(action="case.retaliation_risk_recorded").exists()


def test_the_risk_alone_needs_no_consent_to_measures(
    case_in_state: Callable[..., Case], focal_point: User
) -> None:
    case = case_in_state("acknowledged", consents=WORKFLOW_CONSENTS)

    retaliation_risk_record(case=case, actor=focal_point, risk="low")

    assert recorded(case) == ("low", [])


def test_after_the_consent_is_withdrawn_measures_in_place_may_stay_or_go_but_none_is_added(
    case_in_state: Callable[..., Case], focal_point: User
) -> None:
    case = case_in_state("assessment", consents=WITH_MEASURES)
    retaliation_risk_record(
        case=case, actor=focal_point, risk="high", interim_measures=["flexible_work"]
    )
    record_withdrawal(case.report, "interim_measures")

    retaliation_risk_record(
        case=case, actor=focal_point, risk="medium", interim_measures=["flexible_work"]
    )
    assert recorded(case) == ("medium", ["flexible_work"])
    with pytest.raises(CaseConsentRequiredError):
        retaliation_risk_record(
            case=case,
            actor=focal_point,
            risk="medium",
            interim_measures=["flexible_work", "special_leave"],
        )
    retaliation_risk_record(case=case, actor=focal_point, risk="low", interim_measures=[])
    assert recorded(case) == ("low", [])


@pytest.mark.parametrize(
    ("risk", "measures", "field"),
    [
        ("severe", [], "retaliation_risk"),
        ("", [], "retaliation_risk"),
        ("low", ["a_bodyguard"], "interim_measures"),
        ("low", "special_leave", "interim_measures"),
    ],
)
def test_unknown_codes_are_refused_and_nothing_is_recorded(
    case_in_state: Callable[..., Case],
    focal_point: User,
    risk: str,
    measures: object,
    field: str,
) -> None:
    case = case_in_state("acknowledged", consents=WITH_MEASURES)

    with pytest.raises(CaseInputError) as refused:
        retaliation_risk_record(case=case, actor=focal_point, risk=risk, interim_measures=measures)

    assert field in refused.value.fields
    assert recorded(case) == ("", [])


@pytest.mark.parametrize("state", ["received", "closed"])
def test_the_risk_is_recorded_from_acknowledgement_while_the_case_is_open(
    case_in_state: Callable[..., Case], focal_point: User, state: str
) -> None:
    case = case_in_state(state, consents=WITH_MEASURES)

    with pytest.raises(RetaliationRiskNotNowError):
        retaliation_risk_record(case=case, actor=focal_point, risk="high")

    assert recorded(case) == ("", [])


def test_only_who_runs_the_case_records_the_risk(
    case_in_state: Callable[..., Case], ombudsperson: User
) -> None:
    case = case_in_state("acknowledged", consents=WITH_MEASURES)

    with pytest.raises(CaseForbiddenError):
        retaliation_risk_record(case=case, actor=ombudsperson, risk="high")

    assert recorded(case) == ("", [])
