"""Role checks that every app builds on. Visibility of individual cases lives in selectors."""

from __future__ import annotations

from typing import Any

from accounts.models import Role

# Roles that work on individual cases (each sees a different subset, see cases.selectors).
CASE_HANDLING_ROLES = frozenset({Role.FOCAL_POINT, Role.OMBUDSPERSON, Role.INVESTIGATOR})


def is_staff_member(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "role", "") in Role.values
    )


def has_role(user: Any, *roles: str) -> bool:
    return is_staff_member(user) and user.role in roles


def handles_cases(user: Any) -> bool:
    """Focal points, ombudspersons and investigators; never leadership, never admins."""
    return is_staff_member(user) and user.role in CASE_HANDLING_ROLES


def reads_statistics(user: Any) -> bool:
    return has_role(user, Role.LEADERSHIP, Role.FOCAL_POINT, Role.ADMIN)


def manages_users(user: Any) -> bool:
    return has_role(user, Role.ADMIN)


def same_entity(user: Any, entity_id: int | None) -> bool:
    """Whether the user works for this entity; a system-wide admin works for all."""
    if not is_staff_member(user):
        return False
    if user.role == Role.ADMIN and user.entity_id is None:
        return True
    return entity_id is not None and user.entity_id == entity_id
