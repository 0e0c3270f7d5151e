"""Who works on a case: the assigned focal point, colleagues it is shared with, the investigator,
and the hand-over of a departing focal point's cases."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from audit.models import AuditAction
from audit.services import SYSTEM_STREAM, audit_record
from cases.errors import CaseForbiddenError, CaseInputError
from cases.models import Case
from cases.vocabulary import CaseState


@transaction.atomic
def case_assign(*, case: Case, actor: User, assignee: User) -> Case:
    if not policy.may_assign(actor, case):
        raise CaseForbiddenError
    if not policy.may_be_assigned(assignee, case):
        raise CaseInputError(
            {"assigned_to": [_("Assign to an active focal point of the case's entity.")]}
        )
    previous = case.assigned_to.username if case.assigned_to else None
    case.assigned_to = assignee
    case.save(update_fields=["assigned_to"])
    audit_record(
        stream=case.report_id,
        action=AuditAction.CASE_ASSIGNED,
        actor=actor,
        detail={"from": previous, "to": assignee.username},
    )
    return case


@transaction.atomic
def case_investigator_assign(*, case: Case, actor: User, investigator: User) -> Case:
    if not policy.may_assign(actor, case):
        raise CaseForbiddenError
    if not policy.may_investigate(investigator):
        raise CaseInputError({"username": [_("Assign an active investigator.")]})
    if case.formal_started_at is None:
        raise CaseInputError(
            {"username": [_("Only a formal case can be assigned to an investigator.")]}
        )
    case.investigator = investigator
    case.save(update_fields=["investigator"])
    audit_record(
        stream=case.report_id,
        action=AuditAction.CASE_INVESTIGATOR_ASSIGNED,
        actor=actor,
        detail={"to": investigator.username},
    )
    return case


@transaction.atomic
def case_share(*, case: Case, actor: User, colleague: User) -> Case:
    if not policy.may_assign(actor, case):
        raise CaseForbiddenError
    if not policy.may_be_assigned(colleague, case):
        raise CaseInputError(
            {"colleague": [_("Share only with an active focal point of the case's entity.")]}
        )
    case.shared_with.add(colleague)
    audit_record(
        stream=case.report_id,
        action=AuditAction.CASE_SHARED,
        actor=actor,
        detail={"with": colleague.username},
    )
    return case


@transaction.atomic
def cases_hand_over(*, departing: User, successor: User, actor: User) -> int:
    """Staff turnover in one step: every open case of the departing focal point moves.

    Each case touched gets its own audit entry (moved to the successor, or no longer shared with
    the departing colleague), and the system trail records the hand-over as a whole. Returns the
    number of cases moved.
    """
    if not policy.may_hand_over(actor, departing):
        raise CaseForbiddenError
    if not policy.may_take_over(successor, departing):
        raise CaseInputError(
            {"successor": [_("The successor must be an active focal point of the same entity.")]}
        )
    handover = {"from": departing.username, "to": successor.username}
    moved = 0
    for case in (
        Case.objects.select_for_update()
        .filter(assigned_to=departing)
        .exclude(state=CaseState.CLOSED)
        .order_by("opened_at")
    ):
        case.assigned_to = successor
        case.save(update_fields=["assigned_to"])
        audit_record(
            stream=case.report_id, action=AuditAction.CASE_HANDED_OVER, actor=actor, detail=handover
        )
        moved += 1
    unshared = 0
    for case in Case.objects.filter(shared_with=departing).order_by("opened_at"):
        case.shared_with.remove(departing)
        audit_record(
            stream=case.report_id,
            action=AuditAction.CASE_UNSHARED,
            actor=actor,
            detail={"with": departing.username, "handed_over_to": successor.username},
        )
        unshared += 1
    audit_record(
        stream=SYSTEM_STREAM,
        action=AuditAction.STAFF_CASES_HANDED_OVER,
        actor=actor,
        detail={**handover, "moved": moved, "unshared": unshared},
    )
    return moved
