"""Messages to the reporter, and internal notes between staff (never shown to the reporter)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from cases.errors import CaseForbiddenError, NoReadingKeyError
from cases.models import Case, InternalNote
from cases.services.locking import case_lock
from cases.services.reading import case_data_key
from cases.transitions import REPORT_NOT_SHREDDED
from reports.models import Message, next_position
from reports.timeline import timeline_add
from reports.vocabulary import TimelineEvent
from vault import envelope


@transaction.atomic
def staff_message_send(*, case: Case, actor: User, body: str) -> Message:
    """A message the reporter reads in their portal."""
    case_lock(case)
    if not policy.may_write_to_reporter(actor, case):
        raise CaseForbiddenError
    REPORT_NOT_SHREDDED.refuse_if_blocked(case)
    try:
        key: bytes | None = case_data_key(case, actor)
    except NoReadingKeyError:
        # Someone who may write to the reporter without reading the report (an advocate it was
        # not shared with) seals the message for its readers only (``vault.envelope``).
        key = None
    message = staff_message_store(case=case, actor=actor, body=body, key=key)
    # The reporter's timeline says who wrote: the advocate is not the one handling the case.
    if policy.advocates_case(actor, case):
        timeline_add(case.report, TimelineEvent.MESSAGE_FROM_STAFF, from_advocate=True)
    else:
        timeline_add(case.report, TimelineEvent.MESSAGE_FROM_STAFF)
    audit_record(stream=case.report_id, action=AuditAction.MESSAGE_FROM_STAFF, actor=actor)
    return message


@transaction.atomic
def note_add(*, case: Case, actor: User, body: str) -> InternalNote:
    case_lock(case)
    if not policy.may_write_note(actor, case):
        raise CaseForbiddenError
    REPORT_NOT_SHREDDED.refuse_if_blocked(case)
    note = note_store(case=case, actor=actor, body=body)
    audit_record(stream=case.report_id, action=AuditAction.NOTE_ADDED, actor=actor)
    return note


def staff_message_store(*, case: Case, actor: User, body: str, key: bytes | None) -> Message:
    """Seal and save a staff message after the reporter's latest; the caller audits it and
    adds its timeline entry. Without the data key (``None``) it is sealed to the report's drop
    key; a report without one refuses (``NoReadingKeyError``)."""
    message = Message(
        report=case.report,
        sender=Message.Sender.STAFF,
        author=actor,
        sent_at=timezone.now(),
        position=next_position(case.report.messages.all()),
    )
    if key is not None:
        envelope.seal(message, "body", body, key)
    else:
        try:
            envelope.seal_for_readers(message, "body", body, case.report.data_key)
        except envelope.NoDropKeyError:
            raise NoReadingKeyError from None
    message.save()
    case.last_message_from = Message.Sender.STAFF
    case.save(update_fields=["last_message_from"])
    return message


def note_store(*, case: Case, actor: User, body: str) -> InternalNote:
    """Seal and save a note; the caller's own audit entry records it (a transition's note)."""
    note = InternalNote(case=case, author=actor)
    envelope.seal(note, "body", body, case_data_key(case, actor))
    note.save()
    return note
