"""Which cases a staff member may see, and how a case looks to them.

Visibility is queried here and only here, by the reach ``accounts.policy.case_reach`` gives each
staff member: their entity's cases (focal points); cases referred to them while the reporter's
consent to the referral stands (ombudspersons); formal cases assigned to them (investigators);
no case at all (leadership, administrators).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import CaseReach, case_reach
from cases.models import Case
from cases.transitions import BlockedTransition, transitions_from
from cases.vocabulary import FORMAL_STATES, CaseState
from core.errors import InvalidInputError
from referrals.models import ServiceKind
from reports.models import Consent
from reports.vocabulary import ConsentAction

DUE_SOON_DAYS = 3


def cases_visible_to(user: User) -> QuerySet[Case]:
    reach = case_reach(user)
    if reach is CaseReach.ENTITY:
        # A focal point belongs to an entity (the database checks it); without one, no case.
        if user.entity_id is None:
            return Case.objects.none()
        return Case.objects.filter(entity_id=user.entity_id)
    if reach is CaseReach.REFERRED:
        referred = Q(referrals__kind=ServiceKind.OMBUDSPERSON) & (
            Q(referrals__service__staff_user=user)
            | Q(
                referrals__service__staff_user__isnull=True,
                referrals__service__entity_id=user.entity_id,
            )
        )
        # Only while the reporter's consent to the referral stands: a withdrawal ends access.
        latest_decision = (
            Consent.objects.filter(
                report=OuterRef("report_id"), action=ConsentAction.OMBUDSPERSON_REFERRAL
            )
            .order_by("-recorded_at", "-position")
            .values("granted")[:1]
        )
        return (
            Case.objects.filter(referred)
            .annotate(referral_consented=Subquery(latest_decision))
            .filter(referral_consented=True)
            .distinct()
        )
    if reach is CaseReach.ASSIGNED_FORMAL:
        return Case.objects.filter(investigator=user, formal_started_at__isnull=False)
    return Case.objects.none()


def case_for(user: User, case_id: uuid.UUID) -> Case | None:
    return (
        cases_visible_to(user)
        .select_related("report", "report__data_key", "entity", "assigned_to")
        .filter(pk=case_id)
        .first()
    )


def allowed_and_blocked_transitions(
    case: Case, user: User
) -> tuple[list[str], list[BlockedTransition]]:
    """(allowed, blocked): what this user can do now, and what is blocked and why.

    Only the transitions this user may run from the case's state are listed; a blocked one says
    which declared condition blocks it and which of the reporter's consents are missing.
    """
    allowed: list[str] = []
    blocked: list[BlockedTransition] = []
    case.forget_context()
    for step in transitions_from(case.state):
        if not step.may_run(user, case):
            continue
        blocking = step.blocked_by(case)
        if blocking is None:
            allowed.append(step.name)
        else:
            blocked.append(blocking)
    return allowed, blocked


def deadlines(case: Case, today: date | None = None) -> dict[str, Any]:
    today = today or timezone.now().date()
    acknowledged = case.acknowledged_at is not None
    ack_due = case.acknowledgement_due
    feedback_due = case.feedback_due
    open_case = case.state != CaseState.CLOSED
    return {
        "acknowledgement_due": ack_due.isoformat(),
        "acknowledgement_overdue": open_case and not acknowledged and ack_due < today,
        "feedback_due": feedback_due.isoformat() if feedback_due else None,
        "feedback_overdue": bool(open_case and feedback_due and feedback_due < today),
        "due_soon": bool(
            open_case
            and (
                (not acknowledged and today <= ack_due <= today + timedelta(days=DUE_SOON_DAYS))
                or (feedback_due and today <= feedback_due <= today + timedelta(days=DUE_SOON_DAYS))
            )
        ),
    }


def case_list(user: User, *, state: str = "", due: str = "") -> QuerySet[Case]:
    """The case list with filters; a fixed number of queries whatever its length."""
    query = (
        cases_visible_to(user)
        .select_related("report", "entity", "assigned_to")
        .order_by("acknowledgement_due", "opened_at")
    )
    if state:
        query = query.filter(state=state)
    today = timezone.now().date()
    if due == "overdue":
        query = query.exclude(state=CaseState.CLOSED).filter(
            Q(acknowledged_at__isnull=True, acknowledgement_due__lt=today)
            | Q(feedback_due__lt=today)
        )
    elif due == "soon":
        horizon = today + timedelta(days=DUE_SOON_DAYS)
        query = query.exclude(state=CaseState.CLOSED).filter(
            Q(acknowledged_at__isnull=True, acknowledgement_due__range=(today, horizon))
            | Q(feedback_due__range=(today, horizon))
        )
    return query


# The API's case list pages: newest first, a page at a time (contract: ?limit= and ?cursor=).
CASE_PAGE_DEFAULT = 50
CASE_PAGE_MAX = 500


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    next_cursor: str | None


def _cursor_encode(case: Case) -> str:
    position = json.dumps([case.opened_at.isoformat(), str(case.id)]).encode()
    return base64.urlsafe_b64encode(position).decode().rstrip("=")


def _cursor_decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The place after which the next page starts; ``InvalidInputError`` for anything else."""
    try:
        opened_at, case_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(opened_at), uuid.UUID(case_id)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidInputError(
            {"cursor": [_("This cursor is not one this list gave. Start from the first page.")]}
        ) from None


def case_page(
    user: User, *, state: str = "", due: str = "", limit: int = CASE_PAGE_DEFAULT, cursor: str = ""
) -> CasePage:
    """One page of the cases the user may see, newest first; keyset-paginated, so a page costs
    the same queries wherever it is in the list."""
    query = case_list(user, state=state, due=due).order_by("-opened_at", "-id")
    if cursor:
        opened_at, case_id = _cursor_decode(cursor)
        query = query.filter(Q(opened_at__lt=opened_at) | Q(opened_at=opened_at, id__lt=case_id))
    rows = list(query[: limit + 1])
    following = _cursor_encode(rows[limit - 1]) if len(rows) > limit else None
    return CasePage(cases=rows[:limit], next_cursor=following)


def case_summary(case: Case) -> dict[str, Any]:
    return {
        "id": str(case.id),
        "reference": case.report.reference,
        "entity": case.entity.code,
        "category": case.report.category,
        "route": case.report.route,
        "informal_channel": case.report.informal_channel or None,
        "state": case.state,
        "assigned_to": case.assigned_to.username if case.assigned_to else None,
        "submitted_on": case.report.submitted_on.isoformat(),
        "deadlines": deadlines(case),
        "labels": case.labels,
        "formal": case.state in FORMAL_STATES or case.formal_process_started,
    }


def formal_consent_withdrawn_midway(case: Case) -> bool:
    """Whether the reporter withdrew consent to a formal investigation once the formal process
    had begun (issue 11): staff and reporter are both told what that means for the case.

    Only a consent that was given and then withdrawn counts: a formal step taken under an
    approved override never had it, and saying it was withdrawn would be untrue.
    """
    if case.state not in FORMAL_STATES:
        return False
    decisions = list(
        case.report.consents.filter(action=ConsentAction.FORMAL_INVESTIGATION)
        .order_by("recorded_at", "position")
        .values_list("granted", flat=True)
    )
    return bool(decisions) and not decisions[-1] and any(decisions)
