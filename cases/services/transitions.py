"""Running one transition of the case, as ``cases.transitions`` declares it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from cases.errors import (
    CaseConflictError,
    CaseConsentRequiredError,
    CaseForbiddenError,
    CaseNotFoundError,
    CaseTransitionNotAllowedError,
)
from cases.models import Case, Override
from cases.readers import reader_wraps_sync_as
from cases.selectors import allowed_and_blocked_transitions, case_for
from cases.services.correspondence import note_store
from cases.services.locking import case_lock
from cases.transitions import (
    AFFECTED_PERSON_DISCLOSURE,
    REPORT_NOT_SHREDDED,
    TRANSITIONS,
    Transition,
)
from core.errors import ConflictOfInterestError
from referrals.models import ServiceKind
from referrals.services import ReferralConsentError, ReferralInputError, referral_make
from reports.timeline import timeline_add
from reports.vocabulary import InformalChannel


def _refer_to_the_chosen_ombudsperson(case: Case, step: Transition, actor: User) -> bool:
    """The informal route with the ombudsperson channel starts with the case referred to the
    entity's ombudsperson, so it appears in her list at once (issue 11) rather than after a
    second step nobody may remember. Without the reporter's consent to that referral (a step
    passed on an approved override) or an ombudsperson in the entity's directory, nobody may
    receive it: the step still runs, and the case page offers the referral when it can be made."""
    if (
        step.name != "start_informal"
        or case.report.informal_channel != InformalChannel.OMBUDSPERSON
    ):
        return False
    if case.referrals.filter(kind=ServiceKind.OMBUDSPERSON).exists():
        return False
    try:
        referral_make(case=case, actor=actor, service=ServiceKind.OMBUDSPERSON)
    except (ReferralConsentError, ReferralInputError, ConflictOfInterestError):
        # An ombudsperson in conflict with the case never receives it; another is chosen on
        # the case page.
        return False
    return True


def _readers_brought_in(
    case: Case, step: Transition, actor: User, *, formal_before: datetime | None
) -> None:
    """A step can bring a reader in (the ombudsperson referred to, an investigator once the
    process is formal): the actor passes them the report's key, or the step is refused."""
    referred = _refer_to_the_chosen_ombudsperson(case, step, actor)
    if referred or case.formal_started_at != formal_before:
        reader_wraps_sync_as(case, actor)


def case_transition(
    *,
    case_id: uuid.UUID,
    name: str,
    actor: User,
    note: str = "",
    arguments: Mapping[str, object] | None = None,
    confirmation: Callable[[Case, Transition], None] | None = None,
) -> Case:
    """Run one transition of the contract's table, or raise an error that says why not.

    ``arguments`` are the codes given by name (``cases.transitions.ARGUMENTS``: ``outcome``,
    ``closure_reason``, ``measures``); the transition takes those it declares.

    ``confirmation`` is the staff page's "are you sure?" (``cases.views``): called with the
    case and the step once the step could run, it raises ``CaseInputError`` to refuse. It runs
    here so the page loads the case once, and only a case its reader sees.

    The refusals come in a fixed order: a case not seen (404), a transition this actor may not
    run (403), a shredded report (409 ``shredded``, whatever the step: its case moves no more),
    one not possible from the case's state (409 with what is allowed), a missing consent (409
    with what is missing), bad arguments (400), then the declaration's other conditions (409).
    The case is loaded once; one audit entry records the move.

    Optimistic concurrency: the state is compared on save; a concurrent change raises
    ``CaseConflictError`` and the whole transaction, audit entry included, rolls back.
    """
    try:
        with transaction.atomic():
            case = case_for(actor, case_id)
            if case is None:
                raise CaseNotFoundError
            # Lock the report: a consent withdrawn at this moment either lands first and
            # blocks this step, or waits until it is done. Never a step on a stale consent.
            # The case's row is not read again: the save compares the state loaded above.
            case_lock(case)
            step = TRANSITIONS.get(name)
            if step is not None and not step.may_run(actor, case):
                raise CaseForbiddenError
            REPORT_NOT_SHREDDED.refuse_if_blocked(case)
            if step is None or not step.possible_from(case.state):
                raise CaseTransitionNotAllowedError(allowed_and_blocked_transitions(case, actor)[0])
            gate = step.consent_gate
            missing = gate.missing(case) if gate else []
            if missing:
                raise CaseConsentRequiredError(missing)
            cleaned = step.clean_arguments(arguments or {}, case)
            if confirmation is not None:
                confirmation(case, step)
            method = getattr(case, step.name)
            if not can_proceed(method):
                # A declared check blocks it (findings not substantiated, no manager approved):
                # its words say why, on the page and in the API's detail.
                blocking = step.blocked_by(case)
                raise CaseTransitionNotAllowedError(
                    allowed_and_blocked_transitions(case, actor)[0],
                    message=blocking.words([]) if blocking is not None else None,
                )
            consents = case.report.current_consents()
            passed_by_override = [
                action
                for action in (gate.needed(case) if gate else ())
                if not consents.get(action, False)
            ]
            from_state = case.state
            formal_before = case.formal_started_at
            method(by=actor, **cleaned)
            case.save()
            detail: dict[str, Any] = {
                "transition": step.name,
                "from": from_state,
                "to": case.state,
                # Codes only (a measure's code, never words about the person it concerns).
                **cleaned,
            }
            if passed_by_override:
                detail["override"] = True
                detail["consents_overridden"] = passed_by_override
            # An override answers one situation: once the case moves, none outlives it. Except
            # an approved sharing of a witness's report beyond the focal points, which stands:
            # the people it was shared with go on working the case.
            now = timezone.now()
            case.overrides.filter(status=Override.Status.APPROVED, used_at__isnull=True).exclude(
                transition=AFFECTED_PERSON_DISCLOSURE.name
            ).update(used_at=now)
            case.overrides.filter(status=Override.Status.PENDING).update(
                status=Override.Status.REJECTED, decided_at=now
            )
            if note:
                detail["note_given"] = True
                note_store(case=case, actor=actor, body=note)
            audit_record(
                stream=case.report_id,
                action=AuditAction.CASE_TRANSITION,
                actor=actor,
                detail=detail,
            )
            # The reporter reads the new state's status label in their timeline.
            timeline_add(case.report, step.timeline_event, state=step.target, transition=step.name)
            _readers_brought_in(case, step, actor, formal_before=formal_before)
            return case
    except ConcurrentTransition:
        raise CaseConflictError from None
