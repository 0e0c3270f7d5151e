"""Overrides: four eyes past a missing consent. One focal point asks, naming one of the listed
grounds (``OverrideGround``) and writing the justification; a different one reads both and
approves; the reporter is told what was done, on which ground and why, before the step runs
(or, where telling would itself endanger someone, as soon as a staff member records that it is
safe); and the one transition it was approved for may then pass exactly the consents it named."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
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
    NoReadingKeyError,
    OverrideDecidedError,
    OverrideNoticeGivenError,
    ReportUnreadableError,
)
from cases.models import Case, Override
from cases.readers import reader_wraps_sync_as
from cases.selectors import cases_visible_to
from cases.services.correspondence import staff_message_store
from cases.services.locking import case_lock
from cases.services.reading import case_data_key
from cases.transitions import OVERRIDABLE, REPORT_NOT_SHREDDED
from reports.timeline import timeline_add
from reports.vocabulary import (
    AFFECTED_PERSON_CONSENT,
    NAMED_OVERRIDE_GROUNDS,
    OVERRIDE_GROUND_REPORTER_WORDS,
    ConsentAction,
    OverrideGround,
    TimelineEvent,
    consent_label,
)
from vault import envelope


def _missing_consents(case: Case, transition_name: str) -> list[str]:
    step = OVERRIDABLE.get(transition_name)
    gate = step.consent_gate if step else None
    case.forget_context()
    return gate.missing(case) if gate else []


# Below this, a deferral's reason or a justification is not written in full.
_IN_FULL = 20


@transaction.atomic
def override_request(
    *,
    case: Case,
    actor: User,
    transition_name: str,
    justification: str,
    ground: str = OverrideGround.NOT_NAMED,
) -> Override:
    """Ask to go ahead without the missing consents. ``ground`` is required on the staff pages;
    the API's contract request carries none, and is recorded as ``not_named``, truthfully."""
    case_lock(case)
    if not policy.may_request_override(actor, case):
        raise CaseForbiddenError
    REPORT_NOT_SHREDDED.refuse_if_blocked(case)
    if ground not in OverrideGround.values:
        raise CaseInputError(
            {
                "ground": [
                    _("Name the ground: one of %(codes)s.")
                    % {"codes": ", ".join(NAMED_OVERRIDE_GROUNDS)}
                ]
            }
        )
    if len(justification.strip()) < _IN_FULL:
        raise CaseInputError(
            {"justification": [_("Write the justification in full (at least 20 characters).")]}
        )
    step = OVERRIDABLE.get(transition_name)
    if step is None:
        raise CaseInputError(
            {
                "transition": [
                    _(
                        "Only a step that needs consent can be overridden: a transition that "
                        "needs one, or identity_disclosure (sharing a witness's report about an "
                        "identifiable person beyond the focal points)."
                    )
                ]
            }
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
    if AFFECTED_PERSON_CONSENT in missing and ground == OverrideGround.NOT_NAMED:
        # Going ahead about someone who never reported, without them: only on a listed ground.
        raise CaseInputError(
            {
                "ground": [
                    _(
                        "Going ahead without the affected person's own agreement needs one of "
                        "the listed grounds."
                    )
                ]
            }
        )
    override = Override(
        case=case,
        transition=transition_name,
        consents=missing,
        ground=ground,
        requested_by=actor,
    )
    envelope.seal(override, "justification", justification, case_data_key(case, actor))
    override.save()
    audit_record(
        stream=case.report_id,
        action=AuditAction.OVERRIDE_REQUESTED,
        actor=actor,
        detail={
            "override": str(override.id),
            "transition": transition_name,
            "missing": missing,
            "ground": ground,
        },
    )
    return override


def _override_locked(override_id: uuid.UUID, actor: User) -> tuple[Override, Case]:
    """The override and its case, locked, for someone who may decide it (404 for an override
    they cannot see, 403 if they may not decide)."""
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
    return override, case


@transaction.atomic
def override_approve(
    *, override_id: uuid.UUID, actor: User, notice_deferral_reason: str = ""
) -> Override:
    """Approve, and tell the reporter now, unless ``notice_deferral_reason`` says why telling
    them would itself endanger someone: then the notice waits for ``override_notice_give``."""
    override, case = _override_locked(override_id, actor)
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
    deferred = notice_deferral_reason.strip()
    if deferred and len(deferred) < _IN_FULL:
        raise CaseInputError(
            {
                "notice_deferral_reason": [
                    _(
                        "Write in full why telling the reporter now would endanger someone "
                        "(at least 20 characters)."
                    )
                ]
            }
        )
    key = case_data_key(case, actor)
    now = timezone.now()
    override.status = Override.Status.APPROVED
    override.decided_by = actor
    override.decided_at = now
    if deferred:
        override.notice_deferred_at = now
        envelope.seal(override, "notice_deferral_reason", deferred, key)
    override.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "notice_deferred_at",
            "notice_deferral_reason",
        ]
    )
    audit_record(
        stream=case.report_id,
        action=AuditAction.OVERRIDE_APPROVED,
        actor=actor,
        detail={
            "override": str(override.id),
            "transition": override.transition,
            "requested_by": override.requested_by.username,
            "missing": list(override.consents),
            "ground": override.ground,
            "notice_deferred": bool(deferred),
        },
    )
    if not deferred:
        _tell_reporter(override, case=case, actor=actor, key=key)
    # Sharing a witness's report beyond the focal points brings readers in (once told).
    reader_wraps_sync_as(case, actor)
    return override


@transaction.atomic
def override_notice_give(*, override_id: uuid.UUID, actor: User) -> Override:
    """A staff member records that it is now safe to tell the reporter of a deferred override:
    the reporter reads the ground and the justification in their portal from now on."""
    override, case = _override_locked(override_id, actor)
    REPORT_NOT_SHREDDED.refuse_if_blocked(case)
    if not override.notice_pending:
        raise OverrideNoticeGivenError
    _tell_reporter(override, case=case, actor=actor, key=case_data_key(case, actor))
    reader_wraps_sync_as(case, actor)
    return override


def _tell_reporter(override: Override, *, case: Case, actor: User, key: bytes) -> None:
    """The reporter's message (what, on which ground, why) and timeline entry; audited."""
    missing = list(override.consents)
    justification = envelope.open_text(override, "justification", key) or ""
    names = ", ".join(consent_label(action) for action in missing) or override.transition
    declared = OVERRIDABLE.get(override.transition)
    step = (declared.reporter_step if declared else None) or override.transition
    words = {
        "step": str(step),
        "consents": names,
        "ground": str(OVERRIDE_GROUND_REPORTER_WORDS[OverrideGround(override.ground)]),
        "justification": justification,
    }
    if missing == [AFFECTED_PERSON_CONSENT]:
        # The witness gave every consent of their own: what was gone past is not theirs.
        body = (
            _(
                "Two staff members decided to go ahead with %(step)s without the agreement of "
                "the person it happened to, on this ground: %(ground)s. Their reason: "
                "%(justification)s"
            )
            % words
        )
    else:
        body = (
            _(
                "Two staff members decided to go ahead with %(step)s without your consent "
                "(%(consents)s), on this ground: %(ground)s. Their reason: %(justification)s"
            )
            % words
        )
    staff_message_store(case=case, actor=actor, body=body, key=key)
    timeline_add(
        case.report,
        TimelineEvent.OVERRIDE,
        action=missing[0] if missing else "",
        ground=override.ground,
    )
    affected_report = (
        case.report.affected_person_report() if AFFECTED_PERSON_CONSENT in missing else None
    )
    if affected_report is not None:
        # The person it happened to came forward: they are told too, in their own portal, with
        # the ground; the justification stays with the witness, whose report it may describe.
        timeline_add(affected_report, TimelineEvent.WENT_AHEAD_WITHOUT_YOU, ground=override.ground)
    override.notice_given_at = timezone.now()
    override.notice_given_by = actor
    override.save(update_fields=["notice_given_at", "notice_given_by"])
    audit_record(
        stream=case.report_id,
        action=AuditAction.OVERRIDE_NOTICE_GIVEN,
        actor=actor,
        detail={"override": str(override.id), "ground": override.ground},
    )


def _readable(
    case: Case, actor: User, overrides: QuerySet[Override]
) -> tuple[list[Override], bytes]:
    """These overrides and the key that opens their prose, for someone who may decide them;
    none for anyone else, and none of a sealed or shredded report."""
    if not policy.may_decide_override(actor, case):
        return [], b""
    found = list(overrides)
    if not found:
        return [], b""
    try:
        return found, case_data_key(case, actor)
    except (ReportUnreadableError, CaseShreddedError, NoReadingKeyError):
        return [], b""


@dataclass(frozen=True)
class PendingOverride:
    """A pending override as the second person reads it before approving."""

    id: uuid.UUID
    transition: str
    consents: list[str]
    ground: str
    justification: str
    requested_by: str
    requested_at: datetime.datetime
    # Whether the reader may approve it (never the person who asked).
    approvable: bool


def overrides_pending(*, case: Case, actor: User) -> list[PendingOverride]:
    """The case's pending overrides, justification decrypted, for whoever may decide them.

    Shown on the case page, whose read of the case is audited (``case_read``) in the same
    request; a sealed or shredded report shows none (no override can pass those)."""
    pending, key = _readable(
        case,
        actor,
        case.overrides.filter(status=Override.Status.PENDING)
        .select_related("requested_by")
        .order_by("requested_at"),
    )
    return [
        PendingOverride(
            id=override.id,
            transition=override.transition,
            consents=list(override.consents),
            ground=override.ground,
            justification=envelope.open_text(override, "justification", key) or "",
            requested_by=override.requested_by.username,
            requested_at=override.requested_at,
            approvable=override.requested_by_id != actor.id,
        )
        for override in pending
    ]


@dataclass(frozen=True)
class DeferredNotice:
    """An approved override the reporter has not been told of yet, and why not."""

    id: uuid.UUID
    transition: str
    ground: str
    reason: str
    deferred_at: datetime.datetime


def override_notices_pending(*, case: Case, actor: User) -> list[DeferredNotice]:
    """The case's deferred notices, for whoever may give them (shown on the case page as
    pending until a staff member records that it is safe to tell the reporter)."""
    deferred, key = _readable(
        case,
        actor,
        case.overrides.filter(
            status=Override.Status.APPROVED,
            notice_deferred_at__isnull=False,
            notice_given_at__isnull=True,
        ).order_by("notice_deferred_at"),
    )
    return [
        DeferredNotice(
            id=override.id,
            transition=override.transition,
            ground=override.ground,
            reason=envelope.open_text(override, "notice_deferral_reason", key) or "",
            deferred_at=override.notice_deferred_at or override.requested_at,
        )
        for override in deferred
    ]
