"""Overrides: four eyes past a missing consent. One focal point asks with a written
justification, a different one approves, the reporter is told what was done and why, and the
one transition it was approved for may then pass exactly the consents it named."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from cases.errors import (
    CaseConsentRequiredError,
    CaseForbiddenError,
    CaseInputError,
    CaseNotFoundError,
    CaseShreddedError,
    OverrideDecidedError,
    ReportUnreadableError,
)
from cases.models import Case, Override
from cases.selectors import cases_visible_to
from cases.services.locking import case_lock
from cases.services.reading import case_data_key
from cases.transitions import REPORT_NOT_SHREDDED, TRANSITIONS
from reports.models import Message, next_position
from reports.timeline import timeline_add
from reports.vocabulary import ConsentAction, TimelineEvent
from vault import envelope


def _missing_consents(case: Case, transition_name: str) -> list[str]:
    step = TRANSITIONS.get(transition_name)
    gate = step.consent_gate if step else None
    case.forget_context()
    return gate.missing(case) if gate else []


@transaction.atomic
def override_request(
    *, case: Case, actor: User, transition_name: str, justification: str
) -> Override:
    case_lock(case)
    if not policy.may_request_override(actor, case):
        raise CaseForbiddenError
    REPORT_NOT_SHREDDED.refuse_if_blocked(case)
    if len(justification.strip()) < 20:
        raise CaseInputError(
            {"justification": [_("Write the justification in full (at least 20 characters).")]}
        )
    step = TRANSITIONS.get(transition_name)
    if step is None or step.consent_gate is None:
        raise CaseInputError(
            {"transition": [_("Only a transition that needs consent can be overridden.")]}
        )
    if envelope.is_sealed(case.report.data_key):
        # An override cannot unseal a report: only the reporter's receipt can.
        raise CaseConsentRequiredError([ConsentAction.CASE_REVIEW])
    if not step.possible_from(case.state):
        raise CaseInputError(
            {"transition": [_("This step is not possible from the case's current state.")]}
        )
    missing = _missing_consents(case, transition_name)
    if not missing:
        raise CaseInputError({"transition": [_("No consent is missing for this transition.")]})
    override = Override(case=case, transition=transition_name, consents=missing, requested_by=actor)
    envelope.seal(override, "justification", justification, case_data_key(case))
    override.save()
    audit_record(
        stream=case.report_id,
        action=AuditAction.OVERRIDE_REQUESTED,
        actor=actor,
        detail={"override": str(override.id), "transition": transition_name, "missing": missing},
    )
    return override


@transaction.atomic
def override_approve(*, override_id: uuid.UUID, actor: User) -> Override:
    found = (
        Override.objects.select_related("case")
        .filter(pk=override_id, case__in=cases_visible_to(actor))
        .first()
    )
    if found is None:
        raise CaseNotFoundError
    # The report first, then the override as it stands under that lock (decided meanwhile?).
    case = case_lock(found.case)
    override = Override.objects.select_for_update(of=("self",)).get(pk=found.pk)
    override.case = case
    if not policy.may_decide_override(actor, case):
        raise CaseForbiddenError
    if override.requested_by_id == actor.id:
        raise CaseForbiddenError(
            _("A different authorised person must approve an override; the requester cannot.")
        )
    REPORT_NOT_SHREDDED.refuse_if_blocked(case)
    if override.status != Override.Status.PENDING:
        raise OverrideDecidedError
    still_missing = set(_missing_consents(case, override.transition))
    if not still_missing & set(override.consents):
        # The reporter has since given the consent (or the step moved on): nothing to override.
        raise OverrideDecidedError
    missing = list(override.consents)
    key = case_data_key(case)
    justification = envelope.open_text(override, "justification", key) or ""
    override.status = Override.Status.APPROVED
    override.decided_by = actor
    override.decided_at = timezone.now()
    override.save(update_fields=["status", "decided_by", "decided_at"])
    # The reporter is told what was done and why, in their portal.
    names = ", ".join(str(ConsentAction(action).label) for action in missing) or override.transition
    declared = TRANSITIONS.get(override.transition)
    step = (declared.reporter_step if declared else None) or override.transition
    body = _(
        "Two staff members decided to go ahead with %(step)s without your consent "
        "(%(consents)s). Their reason: %(justification)s"
    ) % {"step": str(step), "consents": names, "justification": justification}
    message = Message(
        report=case.report,
        sender=Message.Sender.STAFF,
        author=actor,
        sent_at=timezone.now(),
        position=next_position(case.report.messages.all()),
    )
    envelope.seal(message, "body", body, key)
    message.save()
    timeline_add(case.report, TimelineEvent.OVERRIDE, action=missing[0] if missing else "")
    audit_record(
        stream=case.report_id,
        action=AuditAction.OVERRIDE_APPROVED,
        actor=actor,
        detail={
            "override": str(override.id),
            "transition": override.transition,
            "requested_by": override.requested_by.username,
            "missing": missing,
        },
    )
    return override


@dataclass(frozen=True)
class PendingOverride:
    """A pending override as the second person reads it before approving."""

    id: uuid.UUID
    transition: str
    consents: list[str]
    justification: str
    requested_by: str
    requested_at: datetime.datetime
    # Whether the reader may approve it (never the person who asked).
    approvable: bool


def overrides_pending(*, case: Case, actor: User) -> list[PendingOverride]:
    """The case's pending overrides, justification decrypted, for whoever may decide them.

    Shown on the case page, whose read of the case is audited (``case_read``) in the same
    request; a sealed or shredded report shows none (no override can pass those)."""
    if not policy.may_decide_override(actor, case):
        return []
    pending = list(
        case.overrides.filter(status=Override.Status.PENDING)
        .select_related("requested_by")
        .order_by("requested_at")
    )
    if not pending:
        return []
    try:
        key = case_data_key(case)
    except (ReportUnreadableError, CaseShreddedError):
        return []
    return [
        PendingOverride(
            id=override.id,
            transition=override.transition,
            consents=list(override.consents),
            justification=envelope.open_text(override, "justification", key) or "",
            requested_by=override.requested_by.username,
            requested_at=override.requested_at,
            approvable=override.requested_by_id != actor.id,
        )
        for override in pending
    ]
