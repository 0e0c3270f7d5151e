"""Administrators' writes on staff and entities (``accounts.services``, issue 11), beyond what the
workspace pages show: the refusals that keep the database's rules and the managers' scope."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Entity, Role, User
from accounts.services import (
    EntityInputError,
    StaffUserInputError,
    entity_change,
    staff_role_change,
)
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_system_wide_administrator_cannot_become_an_entity_role(
    admin: User, make_staff: Any
) -> None:
    other_admin = make_staff(Role.ADMIN, username="second_admin", entity_obj=None)
    with pytest.raises(StaffUserInputError) as refused:
        staff_role_change(actor=admin, user=other_admin, role=Role.FOCAL_POINT)
    assert "role" in refused.value.fields
    other_admin.refresh_from_db()
    assert other_admin.role == Role.ADMIN
    assert not AuditEntry.objects.filter(action="staff.role_changed").exists()


def test_an_entity_administrator_cannot_change_roles_in_another_entity(
    make_staff: Any, focal_point_elsewhere: User
) -> None:
    entity_admin = make_staff(Role.ADMIN, username="unw_admin")
    with pytest.raises(StaffUserInputError):
        staff_role_change(actor=entity_admin, user=focal_point_elsewhere, role=Role.LEADERSHIP)
    focal_point_elsewhere.refresh_from_db()
    assert focal_point_elsewhere.role == Role.FOCAL_POINT


def test_an_entity_administrator_cannot_change_another_entity(
    make_staff: Any, other_entity: Entity
) -> None:
    entity_admin = make_staff(Role.ADMIN, username="unw_admin")
    with pytest.raises(EntityInputError):
        entity_change(
            actor=entity_admin,
            entity=other_entity,
            name="Renamed",
            publishes_transparency_report=True,
            feedback_due_months=1,
        )
    other_entity.refresh_from_db()
    assert other_entity.name == "United Nations Development Programme"
