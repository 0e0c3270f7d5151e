"""A staff member leaves: their open cases go to a colleague, then their account closes.

One transaction, so an administrator never leaves a deactivated focal point still holding
cases nobody else can run, nor a hand-over done for someone who then stays.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from accounts.services import staff_user_deactivate
from cases.errors import CaseForbiddenError, CaseInputError
from cases.models import Case
from cases.services.assignment import cases_hand_over
from cases.vocabulary import CaseState


def open_cases_held_by(user: User) -> int:
    """The open cases assigned to, or shared with, this staff member."""
    return (
        Case.objects.filter(Q(assigned_to=user) & ~Q(state=CaseState.CLOSED) | Q(shared_with=user))
        .distinct()
        .count()
    )


@dataclass(frozen=True)
class Departure:
    moved: int  # cases now held by the successor
    awaiting_approval: int  # cases whose reporter withholds their name: a second person decides


@transaction.atomic
def staff_departure(*, actor: User, departing: User, successor: User | None) -> Departure:
    """Hand over the departing colleague's open cases (when they hold any), then deactivate."""
    if not policy.manages_staff_of(actor, departing.entity_id):
        raise CaseForbiddenError
    moved = awaiting = 0
    if open_cases_held_by(departing):
        if successor is None:
            raise CaseInputError(
                {"successor": [_("Choose who takes over the open cases of this colleague.")]}
            )
        moved = cases_hand_over(departing=departing, successor=successor, actor=actor)
        # The same rule as one reassignment: where the reporter withholds their name, the case
        # stays with the departing colleague until a second focal point approves the request.
        awaiting = (
            Case.objects.filter(assigned_to=departing).exclude(state=CaseState.CLOSED).count()
        )
    staff_user_deactivate(actor=actor, user=departing)
    return Departure(moved=moved, awaiting_approval=awaiting)
