"""Referring a case to a service of the entity's directory (``referrals.services``), with the
consent it needs."""

from __future__ import annotations

from typing import Any

import pytest

from demo.directory import demo_directory_create
from referrals.models import Referral
from tests.helpers.reporter import WORKFLOW_CONSENTS

pytestmark = pytest.mark.django_db


def test_referral_checks_consent_before_the_directory_and_validates_ids(
    open_case: Any, focal_point: Any, staff_api: Any, entity: Any
) -> None:
    """Regression (case-workflow review, fixed in 080b1fb): a referral checks the support_referral
    consent before it looks in the service directory, and a malformed service id is a 400."""
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
    granted = open_case(consents=WORKFLOW_CONSENTS)
    made = client.post(
        f"/api/v1/cases/{granted.id}/referrals",
        {"service": "medical", "note": "Needs a doctor"},
        format="json",
    )
    assert made.status_code == 201
    assert Referral.objects.filter(case=granted, kind="medical").count() == 1
