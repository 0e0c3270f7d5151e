"""The report's timeline (``reports.timeline``), read as humane words: the reporter is told
what each withdrawal stops."""

from __future__ import annotations

from typing import Any

import pytest

from reports.timeline import withdrawal_effect
from tests.helpers.reporter import WORKFLOW_CONSENTS, consent_change, receipt_of, sign_in

pytestmark = pytest.mark.django_db


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
    case = open_case(consents=WORKFLOW_CONSENTS)
    reporter = sign_in(receipt_of(case))
    consent_change(reporter, action, granted=False)
    last = reporter.get("/api/v1/reporter/report").json()["timeline"]
    effect = withdrawal_effect(action)
    assert effect
    assert any(effect in entry["label"] for entry in last)
