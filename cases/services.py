"""Writes on cases: opening, transitions, assignment, messages, overrides."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from accounts.models import Role, User
from audit.services import audit_record
from cases.models import (
    CONSENT_GATES,
    TRANSITION_NAMES,
    Case,
    ClosureReason,
    InternalNote,
    Outcome,
    Override,
)
from notifications.services import outbox_enqueue
from reports.models import Message, Report
from reports.vocabulary import ConsentAction
from vault import envelope

ACKNOWLEDGEMENT_DAYS = 7


def _entity_focal_point_ids(entity_id: int) -> list[int]:
    return list(
        User.objects.filter(entity_id=entity_id, role=Role.FOCAL_POINT, is_active=True).values_list(
            "id", flat=True
        )
    )


def case_alert_staff(*, report: Report, kind: str, obscure_time: bool = False) -> None:
    """Tell the people handling the case that something changed (never what was written)."""
    case = Case.objects.filter(report=report).only("assigned_to_id", "entity_id").first()
    if case is None:
        return
    recipients = (
        [case.assigned_to_id] if case.assigned_to_id else _entity_focal_point_ids(case.entity_id)
    )
    outbox_enqueue(
        topic="staff_alert",
        payload={"kind": kind, "reference": report.reference, "user_ids": recipients},
        obscure_time=obscure_time,
    )


@transaction.atomic
def case_open(*, report: Report, at: datetime | None = None) -> Case:
    """Open the case for a report whose reporter granted case review (state ``received``)."""
    from reports.timeline import timeline_add

    case = Case(
        report=report,
        entity_id=report.entity_id,
        acknowledgement_due=report.submitted_on + timedelta(days=ACKNOWLEDGEMENT_DAYS),
        opened_at=at or timezone.now(),
    )
    case.save()
    timeline_add(report, "case_opened", at=at)
    audit_record(stream=report.id, action="case.opened", detail={"state": case.state}, at=at)
    # Opened at submission (``at`` given): the alert must not date the submission.
    case_alert_staff(report=report, kind="case_opened", obscure_time=at is not None)
    return case


# --- Errors the API maps to the contract's codes ------------------------------------------


class CaseForbiddenError(Exception):
    pass


class TransitionNotAllowedError(Exception):
    def __init__(self, allowed: list[str]) -> None:
        super().__init__("transition not allowed from this state")
        self.allowed = allowed


class ConsentRequiredError(Exception):
    def __init__(self, missing: list[str]) -> None:
        super().__init__("consent required")
        self.missing = missing


# The report cannot be decrypted by the organisation: sealed by the reporter, or shredded.
REPORT_UNREADABLE = (envelope.ReportSealedError, envelope.DataKeyShreddedError)


class OverrideDecidedError(Exception):
    """The override was approved or rejected already."""


class CaseConflictError(Exception):
    """The case changed concurrently; nothing was written."""


class CaseInputError(ValueError):
    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("invalid input")
        self.fields = fields


# --- Reading -------------------------------------------------------------------------------


def case_data_key(case: Case) -> bytes:
    """The report's key through the organisation's wrapping; raises if the report is sealed."""
    return envelope.open_with_organisation_key(case.report.data_key)


@transaction.atomic
def case_read(*, case: Case, actor: User) -> dict[str, Any]:
    """Decrypt what staff may read of a case. Every call is audited."""
    report = case.report
    try:
        key = case_data_key(case)
    except (envelope.ReportSealedError, envelope.DataKeyShreddedError):
        audit_record(stream=report.id, action="case.read_refused_sealed", actor=actor)
        return {
            "narrative": None,
            "sealed": True,
            "messages": [],
            "notes": [],
            "incident_date": None,
            "alleged_perpetrator": None,
            "identity": None,
        }
    consents = report.current_consents()
    # Beyond the assigned focal point, the identity needs the reporter's consent.
    identity_visible = case.assigned_to_id == actor.id or consents.get(
        ConsentAction.IDENTITY_DISCLOSURE, False
    )
    identity = envelope.open_text(report, "identity", key) if identity_visible else None
    perpetrator = envelope.open_text(report, "alleged_perpetrator", key)
    result: dict[str, Any] = {
        "sealed": False,
        "narrative": envelope.open_text(report, "narrative", key),
        "incident_date": envelope.open_text(report, "incident_date", key),
        "identity": json.loads(identity) if identity else None,
        "identity_withheld": report.identity is not None and not identity_visible,
        "alleged_perpetrator": json.loads(perpetrator) if perpetrator else None,
        "messages": [
            {
                "id": str(m.id),
                "from": m.sender,
                "author": m.author.username if m.author else None,
                "body": envelope.open_text(m, "body", key),
                "sent_at": m.sent_at.isoformat(),
            }
            for m in report.messages.select_related("author").order_by("sent_at")
        ],
        "notes": [
            {
                "id": str(n.id),
                "author": n.author.username,
                "body": envelope.open_text(n, "body", key),
                "written_at": n.written_at.isoformat(),
            }
            for n in case.notes.select_related("author").order_by("written_at")
        ]
        if actor.role == Role.FOCAL_POINT
        else [],
        "attachments": [
            {
                "id": str(a.id),
                "filename": envelope.open_text(a, "filename", key),
                "content_type": a.content_type,
                "size": a.size,
            }
            for a in report.attachments.all()
        ],
    }
    audit_record(
        stream=report.id,
        action="case.decrypted_read",
        actor=actor,
        detail={"identity": bool(identity), "messages": len(result["messages"])},
    )
    return result


# --- Transitions ---------------------------------------------------------------------------


def _validate_transition_input(name: str, outcome: str, closure_reason: str) -> dict[str, str]:
    if name == "record_findings":
        if outcome not in Outcome.values:
            raise CaseInputError(
                {
                    "outcome": [
                        _("Give the outcome: one of %(codes)s.")
                        % {"codes": ", ".join(Outcome.values)}
                    ]
                }
            )
        return {"outcome": outcome}
    if name == "close":
        if closure_reason not in ClosureReason.values:
            raise CaseInputError(
                {
                    "closure_reason": [
                        _("Give the closure reason: one of %(codes)s.")
                        % {"codes": ", ".join(ClosureReason.values)}
                    ]
                }
            )
        return {"closure_reason": closure_reason}
    return {}


def case_transition(
    *,
    case_id: Any,
    name: str,
    actor: User,
    note: str = "",
    outcome: str = "",
    closure_reason: str = "",
) -> Case:
    """Run one transition of the contract's table, or raise an error that says why not.

    Optimistic concurrency: the state is compared on save; a concurrent change raises
    ``CaseConflictError`` and the whole transaction, audit entry included, rolls back.
    """
    from django_fsm import ConcurrentTransition

    from cases.selectors import (
        case_for,
        may_run_transition,
        transition_report,
        transitions_from_state,
    )

    try:
        with transaction.atomic():
            case = case_for(actor, case_id)
            if case is None:
                raise Case.DoesNotExist
            # Lock the report: a consent withdrawn at this moment either lands first and
            # blocks this step, or waits until it is done. Never a step on a stale consent.
            list(Report.objects.select_for_update().filter(pk=case.report_id).values_list("pk"))
            case.forget_context()
            if name in TRANSITION_NAMES and not may_run_transition(actor, case, name):
                raise CaseForbiddenError
            allowed, _blocked = transition_report(case, actor)
            if name not in TRANSITION_NAMES or name not in transitions_from_state(case):
                raise TransitionNotAllowedError(allowed)
            gate = CONSENT_GATES.get(name)
            missing = gate.missing(case) if gate else []
            if missing:
                raise ConsentRequiredError(missing)
            arguments = _validate_transition_input(name, outcome, closure_reason)
            method = getattr(case, name)
            if not can_proceed(method):
                raise TransitionNotAllowedError(allowed)
            consents = case.report.current_consents()
            passed_by_override = [
                action
                for action in (gate.needed(case) if gate else ())
                if not consents.get(action, False)
            ]
            from_state = case.state
            method(**arguments)
            if name == "acknowledge" and case.assigned_to_id is None:
                # Whoever acknowledges a case takes it on, until it is reassigned.
                case.assigned_to = actor
            case.save()
            detail: dict[str, Any] = {
                "transition": name,
                "from": from_state,
                "to": case.state,
                **arguments,
            }
            if passed_by_override:
                detail["override"] = True
                detail["consents_overridden"] = passed_by_override
            # An override answers one situation: once the case moves, none outlives it.
            now = timezone.now()
            case.overrides.filter(status=Override.Status.APPROVED, used_at__isnull=True).update(
                used_at=now
            )
            case.overrides.filter(status=Override.Status.PENDING).update(
                status=Override.Status.REJECTED, decided_at=now
            )
            if note:
                detail["note_given"] = True
                _note_store(case, actor, note)
            audit_record(
                stream=case.report_id, action="case.transition", actor=actor, detail=detail
            )
            from reports.timeline import timeline_add

            timeline_add(case.report, "transition", state=case.state, transition=name)
            return case
    except ConcurrentTransition:
        raise CaseConflictError from None


def _note_store(case: Case, actor: User, body: str) -> InternalNote:
    note = InternalNote(case=case, author=actor)
    envelope.seal(note, "body", body, case_data_key(case))
    note.save()
    return note


# --- Messages, notes, labels, assignment --------------------------------------------------


@transaction.atomic
def staff_message_send(*, case: Case, actor: User, body: str) -> Message:
    """A message the reporter reads in their portal."""
    message = Message(
        report=case.report, sender=Message.Sender.STAFF, author=actor, sent_at=timezone.now()
    )
    envelope.seal(message, "body", body, case_data_key(case))
    message.save()
    from reports.timeline import timeline_add

    timeline_add(case.report, "message_from_staff")
    audit_record(stream=case.report_id, action="message.from_staff", actor=actor)
    return message


@transaction.atomic
def note_add(*, case: Case, actor: User, body: str) -> InternalNote:
    note = _note_store(case, actor, body)
    audit_record(stream=case.report_id, action="note.added", actor=actor)
    return note


@transaction.atomic
def labels_set(*, case: Case, actor: User, labels: list[str]) -> Case:
    cleaned = sorted({label.strip()[:40] for label in labels if label.strip()})[:20]
    case.labels = cleaned
    case.save(update_fields=["labels"])
    # The labels themselves stay out of the audit trail, which is never shredded.
    audit_record(
        stream=case.report_id, action="case.labels_set", actor=actor, detail={"count": len(cleaned)}
    )
    return case


def _colleague(case: Case, user: User) -> bool:
    return user.is_active and user.role == Role.FOCAL_POINT and user.entity_id == case.entity_id


@transaction.atomic
def case_assign(*, case: Case, actor: User, assignee: User) -> Case:
    if not _colleague(case, assignee):
        raise CaseInputError(
            {"assigned_to": [_("Assign to an active focal point of the case's entity.")]}
        )
    previous = case.assigned_to.username if case.assigned_to else None
    case.assigned_to = assignee
    case.save(update_fields=["assigned_to"])
    audit_record(
        stream=case.report_id,
        action="case.assigned",
        actor=actor,
        detail={"from": previous, "to": assignee.username},
    )
    return case


@transaction.atomic
def case_investigator_assign(*, case: Case, actor: User, investigator: User) -> Case:
    if not (investigator.is_active and investigator.role == Role.INVESTIGATOR):
        raise CaseInputError({"username": [_("Assign an active investigator.")]})
    if case.formal_started_at is None:
        raise CaseInputError(
            {"username": [_("Only a formal case can be assigned to an investigator.")]}
        )
    case.investigator = investigator
    case.save(update_fields=["investigator"])
    audit_record(
        stream=case.report_id,
        action="case.investigator_assigned",
        actor=actor,
        detail={"to": investigator.username},
    )
    return case


@transaction.atomic
def case_share(*, case: Case, actor: User, colleague: User) -> Case:
    if not _colleague(case, colleague):
        raise CaseInputError(
            {"colleague": [_("Share only with an active focal point of the case's entity.")]}
        )
    case.shared_with.add(colleague)
    audit_record(
        stream=case.report_id,
        action="case.shared",
        actor=actor,
        detail={"with": colleague.username},
    )
    return case


@transaction.atomic
def cases_hand_over(*, departing: User, successor: User, actor: User) -> int:
    """Staff turnover in one step: every open case of the departing focal point moves."""
    if (
        departing.entity_id != successor.entity_id
        or successor.role != Role.FOCAL_POINT
        or not successor.is_active
    ):
        raise CaseInputError(
            {"successor": [_("The successor must be an active focal point of the same entity.")]}
        )
    moved = 0
    for case in (
        Case.objects.select_for_update().filter(assigned_to=departing).exclude(state="closed")
    ):
        case.assigned_to = successor
        case.save(update_fields=["assigned_to"])
        audit_record(
            stream=case.report_id,
            action="case.handed_over",
            actor=actor,
            detail={"from": departing.username, "to": successor.username},
        )
        moved += 1
    for case in Case.objects.filter(shared_with=departing):
        case.shared_with.remove(departing)
    return moved


# --- Overrides (four eyes) -----------------------------------------------------------------

# What each gated step means to the reporter who is told about an override.
STEP_DESCRIPTIONS = {
    "acknowledge": gettext_lazy("acknowledging your report"),
    "begin_assessment": gettext_lazy("assessing your report"),
    "start_informal": gettext_lazy("an informal resolution"),
    "escalate_to_formal": gettext_lazy("a formal review"),
    "open_investigation": gettext_lazy("an investigation"),
    "resume": gettext_lazy("resuming your case"),
}


def _override_consent(case: Case, transition_name: str) -> list[str]:
    gate = CONSENT_GATES.get(transition_name)
    case.forget_context()
    return gate.missing(case) if gate else []


@transaction.atomic
def override_request(
    *, case: Case, actor: User, transition_name: str, justification: str
) -> Override:
    if actor.role != Role.FOCAL_POINT or actor.entity_id != case.entity_id:
        raise CaseForbiddenError
    if len(justification.strip()) < 20:
        raise CaseInputError(
            {"justification": [_("Write the justification in full (at least 20 characters).")]}
        )
    if transition_name not in CONSENT_GATES:
        raise CaseInputError(
            {"transition": [_("Only a transition that needs consent can be overridden.")]}
        )
    if envelope.is_sealed(case.report.data_key):
        # An override cannot unseal a report: only the reporter's receipt can.
        raise ConsentRequiredError([ConsentAction.CASE_REVIEW])
    from cases.selectors import transitions_from_state

    if transition_name not in transitions_from_state(case):
        raise CaseInputError(
            {"transition": [_("This step is not possible from the case's current state.")]}
        )
    missing = _override_consent(case, transition_name)
    if not missing:
        raise CaseInputError({"transition": [_("No consent is missing for this transition.")]})
    override = Override(case=case, transition=transition_name, consents=missing, requested_by=actor)
    envelope.seal(override, "justification", justification, case_data_key(case))
    override.save()
    audit_record(
        stream=case.report_id,
        action="override.requested",
        actor=actor,
        detail={"override": str(override.id), "transition": transition_name, "missing": missing},
    )
    return override


@transaction.atomic
def override_approve(*, override_id: Any, actor: User) -> Override:
    from cases.selectors import cases_visible_to

    override = (
        Override.objects.select_for_update()
        .select_related("case", "case__report", "case__report__data_key")
        .filter(pk=override_id, case__in=cases_visible_to(actor))
        .first()
    )
    if override is None:
        raise Case.DoesNotExist
    if actor.role != Role.FOCAL_POINT or actor.entity_id != override.case.entity_id:
        raise CaseForbiddenError
    if override.requested_by_id == actor.id:
        raise CaseForbiddenError(
            _("A different authorised person must approve an override; the requester cannot.")
        )
    if override.status != Override.Status.PENDING:
        raise OverrideDecidedError
    case = override.case
    still_missing = set(_override_consent(case, override.transition))
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
    from reports.timeline import timeline_add
    from reports.vocabulary import ConsentAction as CA

    names = ", ".join(str(CA(action).label) for action in missing) or override.transition
    step = str(STEP_DESCRIPTIONS.get(override.transition, override.transition))
    body = _(
        "Two staff members decided to go ahead with %(step)s without your consent "
        "(%(consents)s). Their reason: %(justification)s"
    ) % {"step": step, "consents": names, "justification": justification}
    message = Message(
        report=case.report, sender=Message.Sender.STAFF, author=actor, sent_at=timezone.now()
    )
    envelope.seal(message, "body", body, key)
    message.save()
    timeline_add(case.report, "override", action=missing[0] if missing else "")
    audit_record(
        stream=case.report_id,
        action="override.approved",
        actor=actor,
        detail={
            "override": str(override.id),
            "transition": override.transition,
            "requested_by": override.requested_by.username,
            "missing": missing,
        },
    )
    return override


def case_attachment_read(
    *, case: Case, actor: User, attachment_id: Any
) -> tuple[str, str, bytes] | None:
    """(filename, content type, bytes) of one of the case's attachments; audited."""
    attachment = case.report.attachments.select_related("content").filter(pk=attachment_id).first()
    if attachment is None:
        return None
    key = case_data_key(case)
    data = envelope.open_bytes(attachment.content, "data", key) or b""
    filename = envelope.open_text(attachment, "filename", key) or "attachment"
    audit_record(
        stream=case.report_id,
        action="attachment.decrypted_read",
        actor=actor,
        detail={"attachment": str(attachment.pk)},
    )
    return filename, attachment.content_type, data
