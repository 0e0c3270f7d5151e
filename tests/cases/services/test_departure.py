"""A staff member's departure (``cases.services.departure``, issue 11): hand-over and
deactivation in one transaction, by an administrator of their entity only."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role, User
from cases.errors import CaseForbiddenError, CaseInputError
from cases.models import Case
from cases.services.departure import staff_departure
from tests.helpers.reporter import WORKFLOW_CONSENTS

pytestmark = pytest.mark.django_db


def test_an_administrator_of_another_entity_cannot_run_a_departure(
    make_staff: Any, other_entity: Any, focal_point: User, second_focal_point: User
) -> None:
    outsider = make_staff(Role.ADMIN, username="undp_admin", entity_obj=other_entity)
    with pytest.raises(CaseForbiddenError):
        staff_departure(actor=outsider, departing=focal_point, successor=second_focal_point)
    focal_point.refresh_from_db()
    assert focal_point.is_active


def test_a_case_shared_with_the_departing_colleague_needs_a_successor_too(
    admin: User, focal_point: User, second_focal_point: User, open_case: Any
) -> None:
    # Given a case of a colleague that is only shared with the departing focal point
    case = open_case(consents=WORKFLOW_CONSENTS)
    Case.objects.filter(pk=case.pk).update(assigned_to=second_focal_point)
    case.shared_with.add(focal_point)
    # When they leave without a successor, nothing happens
    with pytest.raises(CaseInputError) as refused:
        staff_departure(actor=admin, departing=focal_point, successor=None)
    assert list(refused.value.fields) == ["successor"]
    focal_point.refresh_from_db()
    assert focal_point.is_active
    # With one, the share ends and the account closes
    departure = staff_departure(actor=admin, departing=focal_point, successor=second_focal_point)
    assert departure.moved == 0
    assert not case.shared_with.filter(pk=focal_point.pk).exists()
    focal_point.refresh_from_db()
    assert not focal_point.is_active
