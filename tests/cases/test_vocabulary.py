"""The case's codes (``cases.vocabulary``) are the API contract's vocabularies, word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import models

from cases.vocabulary import CaseState, ClosureReason, Measure, Outcome

# The contract's lists ("Vocabularies (codes)"), verbatim; checked against the shared contract
# where it is present, as ``tests/cases/test_transitions.py`` does for the transitions table.
CONTRACT_VOCABULARIES = """
- case `state`: `received`, `acknowledged`, `assessment`, `informal_resolution`, `formal_review`,
  `investigation`, `findings`, `disciplinary`, `on_hold`, `closed`
- `closure_reason`: `resolved_informally`, `substantiated_measures_taken`, `unsubstantiated`,
  `withdrawn_by_reporter`, `referred_elsewhere`, `outside_jurisdiction`, `subject_separated_during_investigation`
- `measure` (sent as `"measures": [codes]` in the body of `start_disciplinary`, and of `close` after substantiated
  findings):
  `dismissal`, `separation`, `demotion`, `loss_of_steps`, `fine`, `written_censure`, `other_administrative`, `none`
- `outcome` (after findings): `substantiated`, `unsubstantiated`
"""
SHARED_CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "api-contract.md"


def _vocabulary(name: str) -> list[str]:
    """The codes of one list: after its name (and any parenthesis), up to the next item."""
    item = CONTRACT_VOCABULARIES.split(f"`{name}`", 1)[1].split("\n- ")[0]
    codes = re.sub(r"\([^)]*\)", "", item, flags=re.DOTALL)
    return re.findall(r"`([a-z_]+)`", codes)


@pytest.mark.skipif(not SHARED_CONTRACT.exists(), reason="the shared contract is not beside it")
def test_the_contract_copy_is_the_shared_contract() -> None:
    shared = SHARED_CONTRACT.read_text()
    for item in CONTRACT_VOCABULARIES.strip().split("\n- "):
        assert item.removeprefix("- ") in shared


@pytest.mark.parametrize(
    ("name", "choices"),
    [
        ("state", CaseState),
        ("closure_reason", ClosureReason),
        ("measure", Measure),
        ("outcome", Outcome),
    ],
)
def test_each_vocabulary_is_the_contracts(name: str, choices: type[models.TextChoices]) -> None:
    assert list(choices.values) == _vocabulary(name)
    # Every code has words for the staff page that are not the code itself.
    for code, label in choices.choices:
        assert str(label)
        assert str(label) != code
