"""Which cases a staff member may see, and how a case looks to them.

Visibility is queried here and only here, by the reach ``accounts.policy.case_reach`` gives each
staff member: their entity's cases (focal points); cases referred to them while the reporter's
consent to the referral stands (ombudspersons); formal cases assigned to them (investigators);
their entity's cases whose reporter consents to an advocate, while that consent stands
(victims' rights advocates); no case at all (leadership, administrators).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import policy
from accounts.models import User
from accounts.policy import CaseReach, case_reach
from cases.models import Case, Override, Reassignment
from cases.transitions import AFFECTED_PERSON_DISCLOSURE, BlockedTransition, transitions_from
from cases.vocabulary import FORMAL_STATES, CaseState
from core.errors import InvalidInputError
from core.paging import PAGE_DEFAULT, Key, Page, keyset_page
from referrals.models import ServiceKind
from reports.conflicts import handler_declined_by_reporter, in_conflict
from reports.models import ConflictDeclaration, Consent, Message, Report
from reports.vocabulary import (
    AFFECTED_PERSON_CONSENT,
    Category,
    ConsentAction,
    InformalChannel,
    ReportKind,
    Route,
)
from vault.fields import EncryptedField

DUE_SOON_DAYS = 3
QUEUE_PAGE = 50


def cases_visible_to(user: User) -> QuerySet[Case]:
    """The cases ``user`` reaches, less every case they are in conflict of interest with
    (``reports.conflicts``): whatever their role, a staff member named in a report, who
    declared a conflict with it, or whom its reporter asked to be replaced, does not see it."""
    return _cases_reached(user).exclude(in_conflict(user))


def _cases_reached(user: User) -> QuerySet[Case]:
    reach = case_reach(user)
    if reach is CaseReach.ENTITY:
        # A focal point belongs to an entity (the database checks it); without one, no case.
        if user.entity_id is None:
            return Case.objects.none()
        # A case about someone senior is handled outside its entity's line (issue 12): the
        # stored ``queue_entity`` is the independent entity then, the case's own otherwise, and
        # leads every list's index.
        return Case.objects.filter(queue_entity=user.entity_id)
    if reach is CaseReach.REFERRED:
        referred = Q(referrals__kind=ServiceKind.OMBUDSPERSON) & (
            Q(referrals__service__staff_user=user)
            | Q(
                referrals__service__staff_user__isnull=True,
                referrals__service__entity_id=user.entity_id,
            )
        )
        # Only while the reporter's consent to the referral stands: a withdrawal ends access.
        return (
            Case.objects.filter(referred)
            .annotate(referral_consented=_consent_stands(ConsentAction.OMBUDSPERSON_REFERRAL))
            .filter(referral_consented=True)
            .distinct()
        )
    if reach is CaseReach.ASSIGNED_FORMAL:
        return Case.objects.filter(investigator=user, formal_started_at__isnull=False)
    if reach is CaseReach.ADVOCATED:
        if user.entity_id is None:
            return Case.objects.none()
        # Read at every request: the moment the reporter withdraws, the case is gone.
        return (
            Case.objects.filter(entity_id=user.entity_id)
            .annotate(advocate_consented=_consent_stands(ConsentAction.VICTIMS_RIGHTS_ADVOCATE))
            .filter(advocate_consented=True)
        )
    return Case.objects.none()


def _consent_stands(action: ConsentAction) -> Subquery:
    """The reporter's latest decision on ``action`` for the case's report (NULL if none)."""
    return Subquery(
        Consent.objects.filter(report=OuterRef("report_id"), action=action)
        .order_by("-recorded_at", "-position")
        .values("granted")[:1]
    )


def case_for(user: User, case_id: uuid.UUID) -> Case | None:
    return (
        cases_visible_to(user)
        .select_related("report", "report__data_key", "entity", "assigned_to", "handling_entity")
        .filter(pk=case_id)
        .first()
    )


def case_by_reference(user: User, reference: str) -> Case | None:
    """The case with this reference, if ``user`` sees it."""
    return (
        cases_visible_to(user)
        .select_related("report")
        .filter(report__reference=reference.upper())
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


def affected_person_disclosure_blocked(case: Case, user: User) -> list[BlockedTransition]:
    """For a focal point handling an open case, the sharing of a witness's report beyond the
    focal points while the affected person has not agreed (an override may be asked for it);
    nothing otherwise. Not a transition, so not among the API's ``blocked_transitions``."""
    disclosure = AFFECTED_PERSON_DISCLOSURE
    if not (policy.may_request_override(user, case) and disclosure.possible_from(case.state)):
        return []
    missing = disclosure.missing(case)
    if not missing:
        return []
    return [BlockedTransition(name=disclosure.name, check=disclosure, missing=missing)]


def grounds_gone_ahead_without_the_affected_person(witness_report_id: uuid.UUID) -> list[str]:
    """The grounds of the overrides approved on a witness's case past the affected person's own
    agreement, in the order they were told to the witness (deferred ones not yet told: none)."""
    told = (
        Override.objects.filter(
            case__report_id=witness_report_id,
            status=Override.Status.APPROVED,
            notice_given_at__isnull=False,
        )
        .order_by("notice_given_at")
        .values_list("ground", "consents")
    )
    return [ground for ground, consents in told if AFFECTED_PERSON_CONSENT in consents]


def deadlines(case: Case, today: date | None = None) -> dict[str, Any]:
    # "Today" in the zone the request runs in: a staff page activates the member's own.
    today = today or timezone.localdate()
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


# The report's sealed columns: all a list would carry of what the reporter wrote.
_REPORTER_WRITTEN = tuple(
    f"report__{field.name}"
    for field in Report._meta.concrete_fields
    if isinstance(field, EncryptedField)
)


def case_list(
    user: User,
    *,
    state: str = "",
    due: str = "",
    assigned_to_me: bool = False,
    label: str = "",
    reference: str = "",
) -> QuerySet[Case]:
    """The case list with filters, unordered (a page orders it); a fixed number of queries
    whatever its length. Each filter narrows a seek of the lists' indexes (``Case.Meta``): the
    deadlines through the stored ``queue_deadline``, the labels through their GIN index, the
    reference through the start of the code."""
    # A list shows no part of what the reporter wrote: its ciphertexts, the bulk of a report's
    # row, are left in the database rather than carried fifty at a time to be thrown away.
    query = (
        cases_visible_to(user)
        .select_related("report", "entity", "assigned_to")
        .defer(*_REPORTER_WRITTEN)
    )
    if state:
        query = query.filter(state=state)
    today = timezone.localdate()
    # A closed case's queue deadline is the last day there is: never overdue nor due soon.
    if due == "overdue":
        query = query.filter(queue_deadline__lt=today)
    elif due == "soon":
        query = query.filter(queue_deadline__range=(today, today + timedelta(days=DUE_SOON_DAYS)))
    if assigned_to_me:
        query = query.filter(assigned_to=user)
    if label:
        query = query.filter(labels__contains=[label])
    wanted = reference_start(reference)
    if wanted:
        query = query.filter(report__reference__startswith=wanted)
    return query


def reference_start(typed: str) -> str:
    """What a search by reference matches: the start of the code, with or without its ``R-``,
    in any case (``7kq`` finds R-7KQ2ABCD); never the middle, which no index could seek."""
    wanted = typed.strip().upper()[:REFERENCE_SEARCH_MAX]
    if wanted and not wanted.startswith(REFERENCE_PREFIX[: len(wanted)]):
        wanted = REFERENCE_PREFIX + wanted
    return wanted if len(wanted) > len(REFERENCE_PREFIX) else ""


# The API's case list: newest first, the case's id breaking ties (contract: ?limit= and ?cursor=).
CASE_LIST_KEYS = (Key("opened_at", descending=True), Key("id", descending=True))


def case_page(
    user: User,
    *,
    state: str = "",
    due: str = "",
    assigned_to_me: bool = False,
    label: str = "",
    reference: str = "",
    limit: int = PAGE_DEFAULT,
    cursor: str = "",
) -> Page[Case]:
    """One page of the cases the user may see, newest first (``core.paging``)."""
    cases = case_list(
        user,
        state=state,
        due=due,
        assigned_to_me=assigned_to_me,
        label=label,
        reference=reference,
    )
    return keyset_page(cases, CASE_LIST_KEYS, limit=limit, cursor=cursor)


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
        "kind": case.report.kind,
        "retaliation_risk": case.retaliation_risk or None,
    }


def retaliation_links(case: Case, user: User) -> dict[str, Any]:
    """The cases tied by retaliation to this one (issue 12): the original a report of
    retaliation follows, and the reports of retaliation that followed this one. Each names its
    reference; its case id only when this user may open it."""
    visible = cases_visible_to(user)
    report = case.report

    def link(reference: str, report_id: uuid.UUID) -> dict[str, Any]:
        found = visible.filter(report_id=report_id).values_list("id", flat=True).first()
        return {"reference": reference, "case_id": str(found) if found else None}

    original = report.retaliation_of
    return {
        "retaliation_of": link(original.reference, original.id) if original else None,
        "retaliation_reports": [
            link(reference, report_id)
            for reference, report_id in report.retaliation_reports.order_by(
                "submitted_on", "reference"
            ).values_list("reference", "id")
        ],
    }


# --- The staff's list page: a focal point's queue, an ombudsperson's or investigator's cases ---


class QueueSection(TextChoices):
    """The parts of the list a focal point works through, each a filter of the same list."""

    NEW = "new", gettext_lazy("New (not acknowledged)")
    DUE_SOON = "soon", gettext_lazy("Due soon")
    OVERDUE = "overdue", gettext_lazy("Overdue")
    WAITING = "waiting", gettext_lazy("Waiting for the reporter")


class QueueSort(TextChoices):
    DEADLINE = "deadline", gettext_lazy("Next deadline first")
    RECEIVED_NEWEST = "-received", gettext_lazy("Newest received first")
    RECEIVED_OLDEST = "received", gettext_lazy("Oldest received first")


QUEUE_ORDER: dict[QueueSort, tuple[Key, ...]] = {
    QueueSort.DEADLINE: (Key("queue_deadline"), Key("submitted_on"), Key("id")),
    QueueSort.RECEIVED_NEWEST: (
        Key("submitted_on", descending=True),
        Key("opened_at", descending=True),
        Key("id", descending=True),
    ),
    QueueSort.RECEIVED_OLDEST: (Key("submitted_on"), Key("opened_at"), Key("id")),
}
REFERENCE_SEARCH_MAX = 16
REFERENCE_PREFIX = "R-"


@dataclass(frozen=True)
class QueueRow:
    """One case as the list page shows it: translated labels and days, never codes."""

    id: uuid.UUID
    reference: str
    received_on: date
    category: str
    route: str
    channel: str
    state: str
    deadline: date | None
    deadline_kind: str
    overdue: bool
    due_soon: bool
    waiting: bool
    labels: list[str]
    # A report of retaliation (issue 12): the queue marks it, its deadline is in working days.
    retaliation: bool = False


def _choice(raw: str, allowed: type[QueueSection] | type[QueueSort], field: str) -> Any:
    try:
        return allowed(raw)
    except ValueError:
        raise InvalidInputError({field: [_("Choose one of the options in the list.")]}) from None


def case_queue(
    user: User,
    *,
    section: str = "",
    sort: str = "",
    reference: str = "",
    state: str = "",
    assigned_to_me: bool = False,
    label: str = "",
    cursor: str = "",
) -> Page[Case]:
    """A page of the cases this user reaches (``cases_visible_to``, nothing else), narrowed to a
    section, a state, their own cases, a label or a reference, in the chosen order; one query
    whatever the page.

    ``InvalidInputError`` for a section, sort or state that is not one of the page's options,
    or a cursor this list did not give."""
    if state and state not in CaseState.values:
        raise InvalidInputError({"state": [_("Choose one of the options in the list.")]})
    chosen = _choice(section, QueueSection, "show") if section else None
    order = _choice(sort, QueueSort, "sort") if sort else QueueSort.DEADLINE
    due = (
        {QueueSection.DUE_SOON: "soon", QueueSection.OVERDUE: "overdue"}.get(chosen, "")
        if chosen
        else ""
    )
    query = case_list(
        user,
        state=state,
        due=due,
        assigned_to_me=assigned_to_me,
        label=label,
        reference=reference,
    )
    if chosen is QueueSection.NEW:
        query = query.filter(state=CaseState.RECEIVED, acknowledged_at__isnull=True)
    elif chosen is QueueSection.WAITING:
        query = query.exclude(state=CaseState.CLOSED).filter(last_message_from=Message.Sender.STAFF)
    return keyset_page(query, QUEUE_ORDER[order], limit=QUEUE_PAGE, cursor=cursor)


def queue_rows(cases: list[Case]) -> list[QueueRow]:
    """The rows of ``case_queue``'s cases, with each code turned into its translated label."""
    rows = []
    for case in cases:
        report = case.report
        timing = deadlines(case)
        acknowledged = case.acknowledged_at is not None
        open_case = case.state != CaseState.CLOSED
        rows.append(
            QueueRow(
                id=case.id,
                reference=report.reference,
                received_on=report.submitted_on,
                category=str(Category(report.category).label),
                route=str(Route(report.route).label),
                channel=str(InformalChannel(report.informal_channel).label)
                if report.informal_channel
                else "",
                state=str(CaseState(case.state).label),
                # A closed case has no deadline left to meet.
                deadline=(case.feedback_due if acknowledged else case.acknowledgement_due)
                if open_case
                else None,
                deadline_kind=str(_("Feedback due") if acknowledged else _("Acknowledge by")),
                overdue=timing["acknowledgement_overdue"] or timing["feedback_overdue"],
                due_soon=timing["due_soon"],
                waiting=open_case and case.last_message_from == Message.Sender.STAFF,
                labels=list(case.labels),
                retaliation=report.kind == ReportKind.RETALIATION,
            )
        )
    return rows


def reassignments_pending(case: Case, user: User) -> list[Reassignment]:
    """The case's pending reassignments this user may approve (a second person)."""
    return [
        request
        for request in case.reassignments.filter(status=Reassignment.Status.PENDING)
        .select_related("assignee", "requested_by")
        .order_by("requested_at")
        if policy.may_approve_reassignment(
            user, case, requested_by_id=request.requested_by_id, assignee_id=request.assignee_id
        )
    ]


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


def conflicts_declared_by(user: User) -> QuerySet[ConflictDeclaration]:
    """The member's own declarations of conflict, newest first, with the case's reference where
    one names a case (a named person is never shown: only its keyed index is kept)."""
    return (
        ConflictDeclaration.objects.filter(staff=user, source=ConflictDeclaration.Source.STAFF)
        .select_related("report")
        .order_by("-declared_on", "-id")
    )


def handler_declined_still_holding(case: Case) -> User | None:
    """The handler the reporter asked to replace, while the case is still theirs (issue 12)."""
    if case.assigned_to_id is None:
        return None
    declined = handler_declined_by_reporter(report_id=case.report_id, staff_id=case.assigned_to_id)
    return case.assigned_to if declined else None
