"""The departure page of the administrator's workspace (``cases.admin_views``, issue 11): a
colleague leaves, their open cases go to a successor, their account closes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import Role, User
from audit.models import AuditEntry
from audit.services import SYSTEM_STREAM
from cases.models import Case, Reassignment
from tests.helpers.reporter import WORKFLOW_CONSENTS
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity_admin(make_staff: Callable[..., User]) -> User:
    return make_staff(Role.ADMIN, username="unw_admin")


def test_departure_hands_over_open_cases_then_deactivates(
    entity_admin: User, focal_point: User, second_focal_point: User, open_case: Any
) -> None:
    # Given two open cases of a departing focal point
    cases = [open_case(consents=WORKFLOW_CONSENTS) for _ in range(2)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(assigned_to=focal_point)
    client = signed_in(entity_admin)
    # The confirmation page says how many cases they hold and offers the successors
    page = client.get(f"/staff/admin/staff/{focal_point.username}/departure/").content.decode()
    assert "2 open cases" in page
    assert f'value="{second_focal_point.username}"' in page
    # When the administrator confirms with a successor
    response = client.post(
        f"/staff/admin/staff/{focal_point.username}/departure/",
        {"successor": second_focal_point.username},
        follow=True,
    )
    # Then the cases moved, the account is closed, and both are audited
    assert "2 cases moved" in response.content.decode()
    assert set(Case.objects.values_list("assigned_to", flat=True)) == {second_focal_point.pk}
    focal_point.refresh_from_db()
    assert not focal_point.is_active
    assert AuditEntry.objects.filter(
        stream=SYSTEM_STREAM, action="staff.cases_handed_over", actor=entity_admin
    ).exists()
    assert AuditEntry.objects.filter(
        stream=SYSTEM_STREAM, action="staff.user_deactivated", detail__username=focal_point.username
    ).exists()


def test_a_case_whose_reporter_withholds_their_name_waits_for_a_second_person(
    entity_admin: User, focal_point: User, second_focal_point: User, open_case: Any
) -> None:
    case = open_case(consents=WORKFLOW_CONSENTS, identity={"name": "A. Person"})
    Case.objects.filter(pk=case.pk).update(assigned_to=focal_point)
    response = signed_in(entity_admin).post(
        f"/staff/admin/staff/{focal_point.username}/departure/",
        {"successor": second_focal_point.username},
        follow=True,
    )
    assert "waits for a second focal point" in response.content.decode()
    assert Case.objects.get(pk=case.pk).assigned_to == focal_point
    assert Reassignment.objects.filter(case=case, assignee=second_focal_point).exists()


def test_departure_without_a_successor_is_refused_and_changes_nothing(
    entity_admin: User, focal_point: User, second_focal_point: User, open_case: Any
) -> None:
    case = open_case(consents=WORKFLOW_CONSENTS)
    Case.objects.filter(pk=case.pk).update(assigned_to=focal_point)
    response = signed_in(entity_admin).post(
        f"/staff/admin/staff/{focal_point.username}/departure/", {"successor": ""}
    )
    assert response.status_code == 400
    focal_point.refresh_from_db()
    assert focal_point.is_active
    assert Case.objects.get(pk=case.pk).assigned_to == focal_point
    assert not AuditEntry.objects.filter(stream=SYSTEM_STREAM, action__startswith="staff.user")


def test_someone_without_cases_is_deactivated_without_a_successor(
    entity_admin: User, investigator: User
) -> None:
    response = signed_in(entity_admin).post(
        f"/staff/admin/staff/{investigator.username}/departure/"
    )
    assert response.status_code == 302
    investigator.refresh_from_db()
    assert not investigator.is_active


def test_a_successor_of_another_entity_is_not_accepted(
    admin: User, focal_point: User, focal_point_elsewhere: User, open_case: Any
) -> None:
    case = open_case(consents=WORKFLOW_CONSENTS)
    Case.objects.filter(pk=case.pk).update(assigned_to=focal_point)
    response = signed_in(admin).post(
        f"/staff/admin/staff/{focal_point.username}/departure/",
        {"successor": focal_point_elsewhere.username},
    )
    assert response.status_code == 400
    focal_point.refresh_from_db()
    assert focal_point.is_active


def test_an_entity_administrator_cannot_deactivate_staff_of_another_entity(
    entity_admin: User, focal_point_elsewhere: User
) -> None:
    client = signed_in(entity_admin)
    url = f"/staff/admin/staff/{focal_point_elsewhere.username}/departure/"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    focal_point_elsewhere.refresh_from_db()
    assert focal_point_elsewhere.is_active
