"""Reads of entities and staff accounts, with the scoping the policy asks for."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts import policy
from accounts.models import Entity, User
from core.errors import ForbiddenError
from core.paging import PAGE_DEFAULT, Key, Page, keyset_page


def entities_open_to_reports() -> QuerySet[Entity]:
    """The organisations that accept reports."""
    return Entity.objects.filter(accepts_reports=True)


def entities_accepting_reports() -> list[dict[str, str]]:
    """The organisations that accept reports, as the public list shows them."""
    entities = entities_open_to_reports().order_by("code")
    return [{"code": code, "name": name} for code, name in entities.values_list("code", "name")]


def entity_by_code(code: str) -> Entity | None:
    return Entity.objects.filter(code=code).first()


def staff_member(username: str) -> User | None:
    """The staff account with this username, whatever its role or state."""
    return User.objects.select_related("entity").filter(username=username).first()


def staff_administrator(user: User) -> User:
    """The user, if they may manage staff accounts; ``ForbiddenError`` otherwise."""
    if not policy.manages_users(user):
        raise ForbiddenError
    return user


def staff_managed_by(admin: User) -> QuerySet[User]:
    """The accounts an administrator manages (``policy.staff_reach``)."""
    users = User.objects.select_related("entity").order_by("username")
    reach = policy.staff_reach(admin)
    if reach == policy.StaffReach.EVERY_ENTITY:
        return users
    if reach == policy.StaffReach.OWN_ENTITY and admin.entity_id is not None:
        return users.filter(entity_id=admin.entity_id)
    return users.none()


# By username, as the administrator reads the list; the id is the pager's last key.
STAFF_KEYS = (Key("username"), Key("id"))


def staff_page_managed_by(
    admin: User, *, limit: int = PAGE_DEFAULT, cursor: str = ""
) -> Page[User]:
    """A page of the accounts an administrator manages (issue 15): one query whatever the page."""
    return keyset_page(staff_managed_by(admin), STAFF_KEYS, limit=limit, cursor=cursor)


def staff_member_managed_by(admin: User, username: str) -> User | None:
    """One account the administrator manages; ``None`` for one they do not (as if unknown)."""
    user = staff_member(username)
    if user is None or not policy.manages_staff_of(admin, user.entity_id):
        return None
    return user


def entity_case_handlers(entity_id: int) -> QuerySet[User]:
    """The entity's active staff who handle its cases (its focal points)."""
    return User.objects.filter(
        entity_id=entity_id, role__in=policy.ENTITY_CASE_HANDLER_ROLES, is_active=True
    )


def senior_focal_point_ids(entity_id: int) -> list[int]:
    """The entity's active senior focal points, whom every report of retaliation reaches."""
    seniors = entity_case_handlers(entity_id).filter(senior_focal_point=True)
    return list(seniors.values_list("id", flat=True))


def successors_for(admin: User, departing: User) -> list[User]:
    """The colleagues an administrator may hand a departing member's cases to."""
    colleagues = staff_managed_by(admin).filter(is_active=True).exclude(pk=departing.pk)
    return [user for user in colleagues if policy.may_take_over(user, departing)]


def entities_managed_by(admin: User) -> QuerySet[Entity]:
    """The entities whose settings and directory an administrator keeps."""
    reach = policy.staff_reach(admin)
    if reach == policy.StaffReach.EVERY_ENTITY:
        return Entity.objects.order_by("code")
    if reach == policy.StaffReach.OWN_ENTITY and admin.entity_id is not None:
        return Entity.objects.filter(pk=admin.entity_id)
    return Entity.objects.none()


def entity_managed_by(admin: User, code: str) -> Entity | None:
    """One entity the administrator keeps; ``None`` for any other (as if unknown)."""
    return entities_managed_by(admin).filter(code=code).first()


def case_handlers_of(entity_id: int) -> list[User]:
    """The active staff of an entity a case may be assigned to or shared with."""
    return list(entity_case_handlers(entity_id).order_by("username"))


def advocates_of(entity_id: int) -> list[int]:
    """The entity's active victims' rights advocates, told when a reporter brings one in."""
    return [
        user.pk
        for user in User.objects.filter(entity_id=entity_id, is_active=True).order_by("username")
        if policy.may_advocate(user)
    ]


def investigators_of(entity_id: int) -> list[User]:
    """The active investigators of an entity, who may be put on its formal cases."""
    return [
        user
        for user in User.objects.filter(entity_id=entity_id, is_active=True).order_by("username")
        if policy.may_investigate(user)
    ]
