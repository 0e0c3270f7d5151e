"""A victims' rights advocate's rights concern (``cases.services.advocacy``, issue 12): it is
audited and reaches the entity's senior focal point once, whatever number of times it is
raised; bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role, User
from cases.errors import CaseForbiddenError, CaseInputError
from cases.models import Case, RightsConcern
from cases.services.advocacy import rights_concern_raise
from cases.services.conflicts import conflict_declare
from notifications.models import OutboxMessage
from tests.helpers.audit import audit_actions_since, audit_length

pytestmark = pytest.mark.django_db


@pytest.fixture
def advocate(make_staff: Any) -> User:
    user: User = make_staff(Role.VICTIMS_RIGHTS_ADVOCATE, username="advocate")
    return user


@pytest.fixture
def advocated(open_case: Any) -> Case:
    case: Case = open_case(consents={"case_review": True, "victims_rights_advocate": True})
    return case


def _alerts() -> list[dict[str, Any]]:
    return [
        message.payload for message in OutboxMessage.objects.filter(payload__kind="rights_concern")
    ]


def test_a_rights_concern_reaches_the_senior_focal_point_once(
    advocated: Case, advocate: User, focal_point: User, second_focal_point: User, staff_api: Any
) -> None:
    User.objects.filter(pk=second_focal_point.pk).update(senior_focal_point=True)
    before = audit_length(advocated)
    client = staff_api(advocate)
    url = f"/api/v1/cases/{advocated.id}/rights-concerns"

    raised = client.post(url, {"kind": "not_informed"}, format="json")
    again = client.post(url, {"kind": "not_informed"}, format="json")

    assert (raised.status_code, again.status_code) == (201, 200)
    assert raised.json()["id"] == again.json()["id"]
    assert raised.json()["kind"] == "not_informed"
    assert audit_actions_since(advocated, before) == ["rights_concern.raised"]
    assert _alerts() == [
        {
            "kind": "rights_concern",
            "reference": advocated.report.reference,
            "user_ids": [second_focal_point.pk],
        }
    ]
    case = staff_api(focal_point).get(f"/api/v1/cases/{advocated.id}").json()
    assert [concern["kind"] for concern in case["rights_concerns"]] == ["not_informed"]


def test_another_kind_of_concern_is_a_concern_of_its_own(advocated: Case, advocate: User) -> None:
    rights_concern_raise(case=advocated, kind="not_informed", actor=advocate)
    _concern, new = rights_concern_raise(case=advocated, kind="dignity", actor=advocate)
    assert new is True
    assert advocated.rights_concerns.count() == 2


def test_without_a_senior_focal_point_every_focal_point_of_the_entity_is_told(
    advocated: Case, advocate: User, focal_point: User, second_focal_point: User
) -> None:
    rights_concern_raise(case=advocated, kind="deadline_missed", actor=advocate)
    assert sorted(_alerts()[0]["user_ids"]) == sorted([focal_point.pk, second_focal_point.pk])


def test_a_rights_concern_skips_a_senior_focal_point_in_conflict_with_the_case(
    advocated: Case, advocate: User, focal_point: User, second_focal_point: User
) -> None:
    # Review finding: the concern went to every senior focal point, the one in conflict too,
    # telling them of a case they must stay away from.
    User.objects.filter(pk__in=[focal_point.pk, second_focal_point.pk]).update(
        senior_focal_point=True
    )
    conflict_declare(actor=second_focal_point, case=advocated)

    rights_concern_raise(case=advocated, kind="dignity", actor=advocate)

    assert [alert["user_ids"] for alert in _alerts()] == [[focal_point.pk]]


def test_with_every_senior_focal_point_in_conflict_the_focal_points_free_of_it_are_told(
    advocated: Case, advocate: User, focal_point: User, second_focal_point: User
) -> None:
    User.objects.filter(pk=second_focal_point.pk).update(senior_focal_point=True)
    conflict_declare(actor=second_focal_point, case=advocated)

    rights_concern_raise(case=advocated, kind="dignity", actor=advocate)

    assert [alert["user_ids"] for alert in _alerts()] == [[focal_point.pk]]


def test_an_unknown_kind_is_refused_and_changes_nothing(
    advocated: Case, advocate: User, staff_api: Any
) -> None:
    before = audit_length(advocated)
    refused = staff_api(advocate).post(
        f"/api/v1/cases/{advocated.id}/rights-concerns", {"kind": "gossip"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "validation_error"
    assert "kind" in refused.json()["fields"]
    with pytest.raises(CaseInputError):
        rights_concern_raise(case=advocated, kind="gossip", actor=advocate)
    assert not RightsConcern.objects.exists()
    assert audit_length(advocated) == before
    assert _alerts() == []


def test_only_the_advocate_of_the_case_s_entity_raises_one(
    advocated: Case, focal_point: User, make_staff: Any, other_entity: Any
) -> None:
    elsewhere = make_staff(
        Role.VICTIMS_RIGHTS_ADVOCATE, username="advocate_else", entity_obj=other_entity
    )
    for actor in (focal_point, elsewhere):
        with pytest.raises(CaseForbiddenError):
            rights_concern_raise(case=advocated, kind="other", actor=actor)
    assert not RightsConcern.objects.exists()
