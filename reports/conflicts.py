"""Conflicts of interest: which staff member must stay away from which report's case (issue 12).

A staff member is in conflict with a report's case when the report names them (the keyed index
of their name, ``User.name_index``, is among the report's ``NamedPerson`` rows), when they
declared a conflict with the case or with a person the report names, or when the reporter asked
for a different handler than them. Such a member does not see the case (``cases.selectors``
leaves it out of every list and page) and cannot be assigned, shared, referred or made its
investigator: 409 ``conflict_of_interest``.

Why hidden and not only unassignable: a focal point named in a report must not handle it, and
handling begins with reading it. A focal point sees every case of their entity, so anything
short of hiding would let the person accused read the complaint against them.
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ConflictOfInterestError, ConflictReason
from reports.models import ConflictDeclaration, NamedPerson
from vault.names import person_name_index


def _reason_words(reason: ConflictReason, username: str) -> str:
    if reason is ConflictReason.NAMED_IN_REPORT:
        return _("%(name)s cannot take part in this case: the report names them.") % {
            "name": username
        }
    if reason is ConflictReason.DECLINED_BY_REPORTER:
        return _(
            "%(name)s cannot take part in this case: the reporter asked for a different handler."
        ) % {"name": username}
    return _(
        "%(name)s cannot take part in this case: they declared a conflict of interest with it."
    ) % {"name": username}


class StaffConflictError(ConflictOfInterestError):
    """The 409 ``conflict_of_interest`` for one staff member, in words naming them and why."""

    def __init__(self, member: User, reason: ConflictReason) -> None:
        super().__init__(reason, _reason_words(reason, member.username))


def _declared_people(user: User) -> QuerySet[ConflictDeclaration]:
    return ConflictDeclaration.objects.filter(staff=user).exclude(person_index="")


def in_conflict(user: User) -> Q:
    """The cases (by their ``report_id``) ``user`` is in conflict with, as subqueries: a list
    filtered by it keeps its number of queries."""
    names = Q(name_index__in=_declared_people(user).values("person_index"))
    if user.name_index:
        names |= Q(name_index=user.name_index)
    named = NamedPerson.objects.filter(names).values("report_id")
    declared = ConflictDeclaration.objects.filter(staff=user, report__isnull=False)
    return Q(report_id__in=named) | Q(report_id__in=declared.values("report_id"))


def conflict_of(user: User, report_id: uuid.UUID) -> ConflictReason | None:
    """Why ``user`` must stay away from this report's case, or ``None``."""
    declared = ConflictDeclaration.objects.filter(staff=user, report_id=report_id)
    if declared.filter(source=ConflictDeclaration.Source.REPORTER).exists():
        return ConflictReason.DECLINED_BY_REPORTER
    if declared.exists():
        return ConflictReason.DECLARED
    named = NamedPerson.objects.filter(report_id=report_id)
    if user.name_index and named.filter(name_index=user.name_index).exists():
        return ConflictReason.NAMED_IN_REPORT
    if named.filter(name_index__in=_declared_people(user).values("person_index")).exists():
        return ConflictReason.DECLARED
    return None


def without_conflicts(users: QuerySet[User], report_id: uuid.UUID) -> QuerySet[User]:
    """``users`` less those in conflict with this report's case, in one query."""
    named = NamedPerson.objects.filter(report_id=report_id).values("name_index")
    declared = ConflictDeclaration.objects.filter(
        Q(report_id=report_id) | Q(person_index__in=named)
    ).values("staff_id")
    return users.exclude(name_index__in=named).exclude(id__in=declared)


def handler_declined_by_reporter(*, report_id: uuid.UUID, staff_id: int) -> bool:
    return ConflictDeclaration.objects.filter(
        report_id=report_id, staff_id=staff_id, source=ConflictDeclaration.Source.REPORTER
    ).exists()


def refuse_if_conflicted(member: User, report_id: uuid.UUID) -> None:
    """Raise the 409 ``conflict_of_interest`` when ``member`` may not take part in the case."""
    reason = conflict_of(member, report_id)
    if reason is not None:
        raise StaffConflictError(member, reason)


def named_people_record(report_id: uuid.UUID, names: list[str]) -> None:
    """Keep the keyed index of each name a report gives (never the name)."""
    indexes = {index for name in names if (index := person_name_index(name))}
    NamedPerson.objects.bulk_create(
        [NamedPerson(report_id=report_id, name_index=index) for index in sorted(indexes)],
        ignore_conflicts=True,
    )
