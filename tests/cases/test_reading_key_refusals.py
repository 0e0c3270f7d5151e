"""Issue 14, bad input: a staff action that would add a reader, taken by someone who holds no
wrap of the report's key, is refused with a clear message and changes nothing, rather than
leaving a reader without a key; a sign-in whose key is not unlocked reads nothing."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role, StaffToken, User
from audit.models import AuditEntry
from cases.models import Case
from referrals.models import Referral, ServiceEntry
from tests.helpers.reporter import WORKFLOW_CONSENTS
from vault.models import KeyWrap

pytestmark = pytest.mark.django_db

NO_KEY = "You hold no key to this report yet"


def _state(case: Case) -> tuple[Any, ...]:
    return (
        Case.objects.get(pk=case.pk).investigator_id,
        Referral.objects.filter(case=case).count(),
        KeyWrap.objects.filter(data_key__report__case=case).count(),
        AuditEntry.objects.filter(stream=str(case.report_id)).count(),
    )


def test_a_focal_point_without_the_key_cannot_bring_an_investigator_in(
    case_in_state: Any, make_staff: Any, investigator: User, staff_api: Any
) -> None:
    case = case_in_state("investigation", route="formal", channel="", consents=WORKFLOW_CONSENTS)
    newcomer = make_staff(Role.FOCAL_POINT, username="fp_new")
    before = _state(case)

    answer = staff_api(newcomer).post(
        f"/api/v1/cases/{case.id}/assignment",
        {"username": investigator.username, "mode": "investigator"},
        format="json",
    )

    assert answer.status_code == 403
    assert answer.json()["error"] == "forbidden"
    assert NO_KEY in answer.json()["detail"]
    assert _state(case) == before


def test_a_focal_point_without_the_key_cannot_refer_to_an_ombudsperson(
    open_case: Any, entity: Any, make_staff: Any, ombudsperson: User, staff_api: Any
) -> None:
    ServiceEntry.objects.create(
        entity=entity, kind="ombudsperson", name="Ombudsperson", staff_user=ombudsperson
    )
    case = open_case(consents=WORKFLOW_CONSENTS)
    newcomer = make_staff(Role.FOCAL_POINT, username="fp_new")
    before = _state(case)

    answer = staff_api(newcomer).post(
        f"/api/v1/cases/{case.id}/referrals", {"service": "ombudsperson"}, format="json"
    )

    assert answer.status_code == 403
    assert NO_KEY in answer.json()["detail"]
    assert _state(case) == before


def test_a_holder_brings_the_same_investigator_in(
    case_in_state: Any, focal_point: User, investigator: User, staff_api: Any
) -> None:
    # The same request from someone who holds the key: the investigator gets theirs at once.
    case = case_in_state("investigation", route="formal", channel="", consents=WORKFLOW_CONSENTS)

    answer = staff_api(focal_point).post(
        f"/api/v1/cases/{case.id}/assignment",
        {"username": investigator.username, "mode": "investigator"},
        format="json",
    )

    assert answer.status_code == 200, answer.content
    assert KeyWrap.objects.filter(
        data_key__report__case=case, recipient__user=investigator
    ).exists()
    read = staff_api(investigator).get(f"/api/v1/cases/{case.id}").json()
    assert read["narrative"] == "He followed me to my car after the team dinner."


def test_a_token_whose_key_is_not_unlocked_reads_nothing_and_says_why(
    open_case: Any, focal_point: User, staff_api: Any
) -> None:
    case = open_case()
    client = staff_api(focal_point)
    StaffToken.objects.filter(user=focal_point).update(reading_key_sealed=b"")

    read = client.get(f"/api/v1/cases/{case.id}")

    assert read.status_code == 200
    body = read.json()
    assert body["narrative"] is None
    assert body["key_missing"] is True
    assert "not unlocked in this session" in body["key_missing_reason"]
