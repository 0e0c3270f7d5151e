"""Issue 12: an entity's administrator names its senior focal point, whom every report of
retaliation reaches (``accounts.services.staff_senior_focal_point_set``, the workspace's form)."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest

from accounts.models import Entity, Role, User
from accounts.selectors import senior_focal_point_ids
from accounts.services import (
    StaffUserInputError,
    staff_role_change,
    staff_senior_focal_point_set,
)
from audit.models import AuditEntry
from audit.services import SYSTEM_STREAM
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity_admin(make_staff: Callable[..., User]) -> User:
    return make_staff(Role.ADMIN, username="unw_admin")


def test_an_administrator_names_a_focal_point_senior_and_it_is_audited(
    entity_admin: User, focal_point: User, entity: Entity
) -> None:
    staff_senior_focal_point_set(actor=entity_admin, user=focal_point, senior=True)

    assert senior_focal_point_ids(entity.pk) == [focal_point.id]
    entry = AuditEntry.objects.filter(
        stream=SYSTEM_STREAM, action="staff.senior_focal_point_set"
    ).get()
    assert entry.detail == {"username": focal_point.username, "senior_focal_point": True}


def test_only_a_focal_point_can_be_senior(entity_admin: User, ombudsperson: User) -> None:
    with pytest.raises(StaffUserInputError):
        staff_senior_focal_point_set(actor=entity_admin, user=ombudsperson, senior=True)

    assert User.objects.get(pk=ombudsperson.pk).senior_focal_point is False


def test_another_entitys_administrator_cannot_name_one(
    make_staff: Callable[..., User], other_entity: Entity, focal_point: User, entity: Entity
) -> None:
    elsewhere = make_staff(Role.ADMIN, username="undp_admin", entity_obj=other_entity)

    with pytest.raises(StaffUserInputError):
        staff_senior_focal_point_set(actor=elsewhere, user=focal_point, senior=True)

    assert senior_focal_point_ids(entity.pk) == []


def test_a_new_role_ends_being_senior_focal_point(
    entity_admin: User, focal_point: User, entity: Entity
) -> None:
    staff_senior_focal_point_set(actor=entity_admin, user=focal_point, senior=True)

    staff_role_change(actor=entity_admin, user=focal_point, role=Role.INVESTIGATOR)

    assert User.objects.get(pk=focal_point.pk).senior_focal_point is False
    assert senior_focal_point_ids(entity.pk) == []


def test_the_workspace_names_and_unnames_the_senior_focal_point(
    entity_admin: User, focal_point: User
) -> None:
    browser = signed_in(entity_admin)
    page = html.unescape(browser.get("/staff/admin/").content.decode())
    assert f'action="/staff/admin/staff/{focal_point.username}/senior"' in page

    named = browser.post(
        f"/staff/admin/staff/{focal_point.username}/senior", {"senior": "yes"}, follow=True
    )
    assert "is now a senior focal point" in html.unescape(named.content.decode())
    assert "(senior focal point)" in named.content.decode()
    assert User.objects.get(pk=focal_point.pk).senior_focal_point is True

    browser.post(f"/staff/admin/staff/{focal_point.username}/senior", {"senior": "no"})
    assert User.objects.get(pk=focal_point.pk).senior_focal_point is False


def test_a_focal_point_cannot_name_themself_senior(focal_point: User) -> None:
    response = signed_in(focal_point).post(
        f"/staff/admin/staff/{focal_point.username}/senior", {"senior": "yes"}
    )

    assert response.status_code == 404
    assert User.objects.get(pk=focal_point.pk).senior_focal_point is False
