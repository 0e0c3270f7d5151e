"""Who works on a case: the assigned focal point, colleagues it is shared with, the investigator,
and the hand-over of a departing focal point's cases."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from audit.models import AuditAction
from audit.services import SYSTEM_STREAM, audit_record
from cases.errors import (
    CaseForbiddenError,
    CaseInputError,
    CaseNotFoundError,
    ReassignmentDecidedError,
)
from cases.models import Case, Reassignment
from cases.readers import reader_wraps_sync_as
from cases.selectors import cases_visible_to
from cases.services.locking import case_lock
from cases.services.opening import staff_alert_send
from cases.vocabulary import CaseState
from reports.conflicts import handler_declined_by_reporter, in_conflict, refuse_if_conflicted
from reports.locking import report_lock
from reports.timeline import timeline_add
from reports.vocabulary import ConsentAction, TimelineEvent


def _identity_withheld(case: Case) -> bool:
    report = case.report
    consented = report.current_consents().get(ConsentAction.IDENTITY_DISCLOSURE, False)
    return report.identity is not None and not consented


def _reassignment_request(case: Case, *, actor: User, assignee: User) -> Reassignment:
    request = Reassignment.objects.create(
        case=case, assignee=assignee, previous_id=case.assigned_to_id, requested_by=actor
    )
    audit_record(
        stream=case.report_id,
        action=AuditAction.CASE_REASSIGNMENT_REQUESTED,
        actor=actor,
        detail={"to": assignee.username, "reassignment": str(request.id)},
    )
    return request


def _hand(case: Case, *, actor: User, assignee: User, detail: dict[str, object]) -> None:
    previous_id = case.assigned_to_id
    case.assigned_to = assignee
    case.save(update_fields=["assigned_to"])
    audit_record(
        stream=case.report_id, action=AuditAction.CASE_ASSIGNED, actor=actor, detail=detail
    )
    if (
        previous_id is not None
        and previous_id != assignee.id
        and handler_declined_by_reporter(report_id=case.report_id, staff_id=previous_id)
    ):
        # The reporter asked for a different handler: they are told when they have one.
        timeline_add(case.report, TimelineEvent.HANDLER_CHANGED)
    if previous_id is not None and previous_id != assignee.id:
        # The previous holder is told the case left them (never what it holds).
        staff_alert_send(
            kind="case_reassigned", reference=case.report.reference, user_ids=[previous_id]
        )


@transaction.atomic
def case_assign(*, case: Case, actor: User, assignee: User) -> Reassignment | None:
    """Give the case to ``assignee``; returns the pending ``Reassignment`` when a second person
    must approve first (the reporter withholds their identity), else ``None`` (done)."""
    case_lock(case, reread_case=True)
    if not policy.may_assign(actor, case):
        raise CaseForbiddenError
    if not policy.may_be_assigned(assignee, case):
        raise CaseInputError(
            {"assigned_to": [_("Assign to an active focal point of the case's entity.")]}
        )
    refuse_if_conflicted(assignee, case.report_id)
    if policy.reassignment_needs_second_person(
        case, assignee, identity_withheld=_identity_withheld(case)
    ):
        return _reassignment_request(case, actor=actor, assignee=assignee)
    previous = case.assigned_to.username if case.assigned_to else None
    _hand(case, actor=actor, assignee=assignee, detail={"from": previous, "to": assignee.username})
    return None


@transaction.atomic
def reassignment_approve(*, reassignment_id: uuid.UUID, actor: User) -> Case:
    """A second person approves a pending reassignment; it lapses if the case changed hands."""
    found = (
        Reassignment.objects.select_related("case")
        .filter(pk=reassignment_id, case__in=cases_visible_to(actor))
        .first()
    )
    if found is None:
        raise CaseNotFoundError
    # The report first, then the request and its case as they stand under that lock.
    case_lock(found.case)
    request = (
        Reassignment.objects.select_for_update(of=("self", "case"))
        .select_related("case", "assignee", "previous")
        .get(pk=found.pk)
    )
    case = request.case
    case.report = found.case.report
    if not policy.may_approve_reassignment(
        actor, case, requested_by_id=request.requested_by_id, assignee_id=request.assignee_id
    ):
        raise CaseForbiddenError(
            _("A different person must approve: neither the one who asked nor the new holder.")
        )
    if request.status != Reassignment.Status.PENDING:
        raise ReassignmentDecidedError
    # A conflict may have arisen since it was asked (a declaration, the reporter's request).
    refuse_if_conflicted(request.assignee, case.report_id)
    if case.assigned_to_id != request.previous_id:
        request.status = Reassignment.Status.LAPSED
        request.save(update_fields=["status"])
        raise ReassignmentDecidedError
    request.status = Reassignment.Status.APPROVED
    request.decided_by = actor
    request.save(update_fields=["status", "decided_by"])
    previous = request.previous.username if request.previous else None
    _hand(
        case,
        actor=actor,
        assignee=request.assignee,
        detail={"from": previous, "to": request.assignee.username, "approved": True},
    )
    return case


@transaction.atomic
def case_investigator_assign(*, case: Case, actor: User, investigator: User) -> Case:
    case_lock(case, reread_case=True)
    if not policy.may_assign(actor, case):
        raise CaseForbiddenError
    if not policy.may_investigate(investigator):
        raise CaseInputError({"username": [_("Assign an active investigator.")]})
    if case.formal_started_at is None:
        raise CaseInputError(
            {"username": [_("Only a formal case can be assigned to an investigator.")]}
        )
    refuse_if_conflicted(investigator, case.report_id)
    case.investigator = investigator
    case.save(update_fields=["investigator"])
    # The investigator reads the report from now on: the actor passes them its key.
    reader_wraps_sync_as(case, actor)
    audit_record(
        stream=case.report_id,
        action=AuditAction.CASE_INVESTIGATOR_ASSIGNED,
        actor=actor,
        detail={"to": investigator.username},
    )
    return case


@transaction.atomic
def case_share(*, case: Case, actor: User, colleague: User) -> Case:
    case_lock(case)
    if not policy.may_assign(actor, case):
        raise CaseForbiddenError
    if not policy.may_be_assigned(colleague, case):
        raise CaseInputError(
            {"colleague": [_("Share only with an active focal point of the case's entity.")]}
        )
    refuse_if_conflicted(colleague, case.report_id)
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
    # Every report touched is locked first, in one order (by id): two hand-overs at once, or
    # a hand-over and a reporter's consent, queue instead of locking each other out.
    touched = Case.objects.filter(
        Q(assigned_to=departing) & ~Q(state=CaseState.CLOSED) | Q(shared_with=departing)
    )
    locked = sorted(set(touched.values_list("report_id", flat=True)))
    for report_id in locked:
        report_lock(report_id)
    # A case given to the departing colleague after this point is not theirs to hand over.
    # The successor's conflicts among them, in one query rather than one check per case.
    conflicted = set(
        Case.objects.filter(report_id__in=locked)
        .filter(in_conflict(successor))
        .values_list("report_id", flat=True)
    )
    moved = 0
    kept = 0
    for case in (
        Case.objects.select_for_update(of=("self",))
        .select_related("report")
        .filter(assigned_to=departing, report_id__in=locked)
        .exclude(state=CaseState.CLOSED)
        .order_by("opened_at")
    ):
        if case.report_id in conflicted:
            # Never to someone in conflict with it: it waits for another focal point, whom
            # the queue shows it to (it is still the departing colleague's until then).
            kept += 1
            continue
        if policy.reassignment_needs_second_person(
            case, successor, identity_withheld=_identity_withheld(case)
        ):
            # The same rule as one reassignment: the successor would read a withheld name.
            _reassignment_request(case, actor=actor, assignee=successor)
            continue
        case.assigned_to = successor
        case.save(update_fields=["assigned_to"])
        audit_record(
            stream=case.report_id, action=AuditAction.CASE_HANDED_OVER, actor=actor, detail=handover
        )
        moved += 1
    unshared = 0
    for case in Case.objects.filter(shared_with=departing, report_id__in=locked).order_by(
        "opened_at"
    ):
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
        detail={
            **handover,
            "moved": moved,
            "unshared": unshared,
            **({"kept_for_conflict": kept} if kept else {}),
        },
    )
    return moved
