"""Every transition is declared once (issue 8): the declaration in ``cases.transitions``, the
django-fsm state machine of ``Case``, the API contract's table, the consent gates, the policy
and the staff page all say the same thing."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django_fsm import has_transition_perm

from accounts import policy
from cases.models import Case
from cases.services.assignment import case_investigator_assign
from cases.transitions import (
    ARGUMENTS,
    DECLARED,
    SYSTEM_TRANSITIONS,
    TRANSITIONS,
    ConsentGate,
    FindingsSubstantiated,
    ManagerApproved,
    Transition,
)
from cases.vocabulary import OPEN_STATES, CaseState
from reports.timeline import STATUS_LABELS
from reports.vocabulary import AFFECTED_PERSON_CONSENT, ConsentAction, InformalChannel
from tests.helpers.reporter import ALL_CONSENTS
from tests.helpers.staff import signed_in

# The contract's table ("Transitions and the consent each needs"), verbatim. The contract is
# fixed, so a copy can be kept here for clones without ../shared; where the shared contract is
# present, the copy is checked against it (test_the_contract_copy_is_the_shared_contract).
CONTRACT_TABLE = """
| `acknowledge` | received | acknowledged | `case_review` |
| `begin_assessment` | acknowledged | assessment | `case_review` |
| `start_informal` | assessment, on_hold | informal_resolution | `ombudsperson_referral` for channel ombudsperson; `mediation` + `contact_alleged_perpetrator` for mediation; `contact_alleged_perpetrator` for manager_intervention |
| `escalate_to_formal` | assessment, informal_resolution, on_hold | formal_review | `formal_investigation` |
| `open_investigation` | formal_review | investigation | `formal_investigation`, `contact_alleged_perpetrator` |
| `record_findings` | investigation | findings | (body: `outcome`) |
| `start_disciplinary` | findings (outcome substantiated) | disciplinary | |
| `put_on_hold` | any open state | on_hold | |
| `resume` | on_hold | assessment | `case_review` |
| `close` | assessment, informal_resolution, findings, disciplinary, on_hold | closed | (body: `closure_reason`) |
"""
# The contract's vocabulary of measures says which transitions take them, verbatim.
CONTRACT_MEASURES = """- `measure` (sent as `"measures": [codes]` in the body of `start_disciplinary`, and of `close` after substantiated
  findings):"""
SHARED_CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "api-contract.md"


def _rows(table: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("| `")
    ]


def _codes(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"`([a-z_]+)`", text))


def _contract() -> dict[str, dict[str, Any]]:
    """The contract's rows as sources, target, consents (by channel where so) and body fields."""
    parsed: dict[str, dict[str, Any]] = {}
    for name_cell, from_cell, target, consent_cell in _rows(CONTRACT_TABLE):
        name = _codes(name_cell)[0]
        condition = re.search(r"\((.+)\)", from_cell)
        from_cell = re.sub(r"\s*\(.+\)", "", from_cell)
        sources: set[str]
        if from_cell == "any open state":
            sources = {str(state) for state in OPEN_STATES if state != target}
        else:
            sources = {state.strip() for state in from_cell.split(",")}
        row: dict[str, Any] = {
            "sources": sources,
            "target": target,
            "condition": condition.group(1) if condition else None,
            "body": (),
            "consents": (),
            "by_channel": {},
        }
        if consent_cell.startswith("(body:"):
            row["body"] = _codes(consent_cell)
        elif " for " in consent_cell:
            for part in consent_cell.split(";"):
                consents, _, channel = part.partition(" for ")
                row["by_channel"][channel.replace("channel", "").strip()] = _codes(consents)
        else:
            row["consents"] = _codes(consent_cell)
        parsed[name] = row
    return parsed


@pytest.mark.skipif(not SHARED_CONTRACT.exists(), reason="the shared contract is not beside it")
def test_the_contract_copy_is_the_shared_contract() -> None:
    section = SHARED_CONTRACT.read_text().split("## Transitions and the consent each needs")[1]
    assert _rows(section.split("\n## ")[0]) == _rows(CONTRACT_TABLE)
    assert CONTRACT_MEASURES in SHARED_CONTRACT.read_text()


def test_the_declaration_is_the_contract_table_in_its_order() -> None:
    contract = _contract()
    assert list(TRANSITIONS) == list(contract)
    for name, row in contract.items():
        declared = TRANSITIONS[name]
        assert set(declared.sources) == row["sources"], name
        assert declared.target == row["target"], name
        # The table's body fields are the required codes; optional lists are declared where
        # the vocabulary says they are sent (the measures).
        required = tuple(argument.name for argument in declared.arguments if not argument.many)
        assert required == row["body"], name
        lists = {argument.name for argument in declared.arguments if argument.many}
        measures_sent_here = f"`{name}`" in CONTRACT_MEASURES.split("in the body of")[1]
        assert lists == ({"measures"} if measures_sent_here else set()), name
        gate = declared.consent_gate
        if row["consents"] or row["by_channel"]:
            assert gate is not None, name
            assert gate.consents == (row["consents"] or gate.consents), name
            assert gate.by_channel == row["by_channel"], name
        else:
            assert gate is None, name
        checks = {type(check) for check in declared.checks}
        # Beyond the table (issue 12): a manager's intervention waits for the reporter to
        # approve the manager proposed.
        extensions = {ManagerApproved} if name == "start_informal" else set()
        assert checks == ({FindingsSubstantiated} if row["condition"] else extensions), name


def _fsm_transitions() -> dict[str, list[Any]]:
    """django-fsm's own view of Case: transition name -> its Transition per source state."""
    found: dict[str, list[Any]] = {}
    field: Any = Case._meta.get_field("state")
    for fsm_transition in field.get_all_transitions(Case):
        found.setdefault(fsm_transition.name, []).append(fsm_transition)
    return found


def test_every_fsm_transition_is_declared_and_every_declared_one_is_in_the_fsm() -> None:
    assert set(_fsm_transitions()) == set(DECLARED)
    # The contract's steps and the service's own are apart: none is both.
    assert not set(TRANSITIONS) & set(SYSTEM_TRANSITIONS)


@pytest.mark.parametrize("name", list(DECLARED))
def test_the_state_machine_is_built_from_the_declaration(name: str) -> None:
    declared = DECLARED[name]
    by_source = {t.source: t for t in _fsm_transitions()[name]}
    assert set(by_source) == set(declared.sources)
    for fsm_transition in by_source.values():
        assert fsm_transition.target == declared.target
        assert fsm_transition.conditions == declared.conditions
        assert fsm_transition.permission == declared.permission


@pytest.mark.parametrize(
    "name", [name for name, declared in TRANSITIONS.items() if declared.consent_gate]
)
def test_each_gate_asks_for_exactly_the_declared_consents(name: str) -> None:
    gate = TRANSITIONS[name].consent_gate
    assert isinstance(gate, ConsentGate)
    assert gate.transition_name == name
    channels = [*InformalChannel.values, ""]
    for channel in channels:
        declared = gate.by_channel.get(channel, gate.consents)
        needed = {ConsentAction.CASE_REVIEW, *declared}

        def fake_case(granted: set[str], channel: str = channel) -> Any:
            consents = {action: action in granted for action in ConsentAction.values}
            return SimpleNamespace(
                report=SimpleNamespace(
                    informal_channel=channel,
                    current_consents=lambda: consents,
                    about_an_identifiable_person=False,
                ),
                overridden_consents=lambda transition_name: set(),
            )

        # Nothing granted: exactly the declared consents (and case review) are missing
        assert set(gate.missing(fake_case(set()))) == needed
        assert not gate(fake_case(set()))
        # All of them granted, nothing else: the gate opens
        assert gate(fake_case(needed))
        # Any one withdrawn: the gate names it
        for action in needed:
            assert gate.missing(fake_case(needed - {action})) == [action]


@pytest.mark.parametrize("name", ["escalate_to_formal", "open_investigation"])
def test_a_formal_step_about_an_identifiable_person_needs_their_own_consent(name: str) -> None:
    """Issue 12: on a witness's report about someone identifiable, the witness's consents do
    not open the step; the affected person's own, through their linked report, do."""
    gate = TRANSITIONS[name].consent_gate
    assert isinstance(gate, ConsentGate)
    everything = {action: True for action in ConsentAction.values}

    def witness_case(
        theirs: dict[str, bool] | None, overridden: frozenset[str] = frozenset()
    ) -> Any:
        return SimpleNamespace(
            report=SimpleNamespace(
                informal_channel="",
                current_consents=lambda: everything,
                about_an_identifiable_person=True,
                affected_person_consents=lambda: theirs,
            ),
            overridden_consents=lambda transition_name: set(overridden),
        )

    assert gate.missing(witness_case(None)) == [AFFECTED_PERSON_CONSENT]
    assert gate.missing(witness_case({"case_review": True})) == [AFFECTED_PERSON_CONSENT]
    assert gate.missing(witness_case(everything)) == []
    assert gate.missing(witness_case(None, frozenset({AFFECTED_PERSON_CONSENT}))) == []
    # Other steps (informal, assessment) are the witness's own to consent to
    for other in ("start_informal", "begin_assessment"):
        other_gate = TRANSITIONS[other].consent_gate
        assert other_gate is not None
        assert AFFECTED_PERSON_CONSENT not in other_gate.missing(witness_case(None))


def test_who_may_run_each_transition_is_a_policy_predicate() -> None:
    for declared in DECLARED.values():
        assert declared.may_run.__module__ == policy.__name__, declared.name


def test_the_reporter_has_words_for_every_transition() -> None:
    for declared in TRANSITIONS.values():
        assert declared.timeline_event == "transition"
        assert declared.target in STATUS_LABELS, declared.name
        # An override can only be of a gated step, and the reporter is told which step it was.
        if declared.consent_gate:
            assert str(declared.reporter_step or ""), declared.name


def test_every_declared_condition_says_why_it_blocks() -> None:
    for declared in TRANSITIONS.values():
        for check in declared.conditions:
            assert check.reason in {
                "consent_required",
                "outcome_not_substantiated",
                "shredded",
                "manager_not_approved",
            }
            words = check.blocked_words(["X"])
            assert words.startswith("Blocked:") or words.startswith("This step needs"), words


def test_every_step_of_the_contract_needs_a_report_that_was_not_shredded() -> None:
    # Issue 10: a shredded report's case moves no more; only the service's own step, which
    # closes it, runs on a shredded report.
    for declared in TRANSITIONS.values():
        assert declared.conditions[0].reason == "shredded", declared.name
    for declared in SYSTEM_TRANSITIONS.values():
        assert all(check.reason != "shredded" for check in declared.conditions), declared.name


def test_the_case_page_template_names_no_transition() -> None:
    # The page draws buttons, argument fields and blocked reasons from the declaration.
    template = Path(__file__).resolve().parents[2] / "cases" / "templates" / "cases" / "detail.html"
    source = template.read_text()
    named = [name for name in [*TRANSITIONS, *ARGUMENTS] if re.search(rf"\b{name}\b", source)]
    assert named == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "declared", [t for t in TRANSITIONS.values() if t.arguments], ids=lambda t: t.name
)
def test_the_case_page_offers_each_declared_argument_with_every_choice(
    declared: Transition, case_in_state: Any, focal_point: Any
) -> None:
    # Findings substantiated where the transition starts from them, so that every argument
    # (measures too) is taken; otherwise its first source state.
    state = "findings" if "findings" in declared.sources else declared.sources[0]
    case = case_in_state(state, consents=ALL_CONSENTS, outcome="substantiated")
    page = signed_in(focal_point).get(f"/staff/cases/{case.id}/").content.decode()
    form = page.split(f'transitions/{declared.name}"')[1].split("</form>")[0]
    for argument in declared.arguments:
        if argument.many:
            offered = re.findall(rf'type="checkbox" name="{argument.name}" value="([a-z_]+)"', form)
        else:
            assert f'name="{argument.name}"' in form
            offered = re.findall(r'<option value="([a-z_]+)">', form)
        assert offered == list(argument.choices.values)
        assert str(argument.label) in form


@pytest.mark.django_db
def test_the_fsm_permission_is_the_policy(
    case_in_state: Any, focal_point: Any, investigator: Any, make_staff: Any
) -> None:
    # Given a case under investigation, its focal point, its investigator and another one
    case = case_in_state(CaseState.INVESTIGATION, consents=ALL_CONSENTS)
    other = make_staff("investigator", username="inv_other")
    case_investigator_assign(case=case, actor=focal_point, investigator=investigator)
    case = Case.objects.select_related("report").get(pk=case.pk)
    # Then django-fsm's has_transition_perm answers as the policy does
    assert has_transition_perm(case.record_findings, focal_point)
    assert has_transition_perm(case.record_findings, investigator)
    assert not has_transition_perm(case.record_findings, other)
    assert has_transition_perm(case.put_on_hold, focal_point)
    assert not has_transition_perm(case.put_on_hold, investigator)
