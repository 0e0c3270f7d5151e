"""Staff reads of a case: the report, its messages and notes, attachments, the audit trail.

Every read of decrypted content is audited in the transaction that decrypts it, and so is a
refused read of a case (a sealed report), so the trail shows who looked at what and when.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from accounts import policy
from accounts.models import User
from audit.models import AuditAction, AuditEntry
from audit.services import audit_record, stream_is_valid
from cases.errors import (
    CaseForbiddenError,
    CaseShreddedError,
    NoReadingKeyError,
    ReportUnreadableError,
)
from cases.models import Case, InternalNote
from cases.readers import case_key, reading_key_wait, reading_key_waits_fulfil, reads_content
from cases.services.locking import case_lock
from core.paging import PAGE_DEFAULT, Key, Page, keyset_page
from reports.reading import (
    attachment_file,
    report_attachment_find,
    report_attachments,
    report_content,
    report_messages_page,
)
from reports.vocabulary import ConsentAction
from vault import envelope

# The report's key through the actor's own wrap; the name the case services have always used.
case_data_key = case_key


# Newest first, like the messages: a case's first page shows its latest notes.
NOTE_KEYS = (Key("written_at", descending=True), Key("id", descending=True))

# What a case read shows when it decrypts nothing.
_NOTHING_DECRYPTED: dict[str, Any] = {
    "narrative": None,
    "sealed": False,
    "shredded": False,
    "withheld_from_advocate": False,
    "withheld_for_affected_person": False,
    "key_missing": False,
    "messages": [],
    "messages_earlier": None,
    "notes": [],
    "notes_earlier": None,
    "attachments": [],
    "incident_date": None,
    "alleged_perpetrator": None,
    "identity": None,
}


@transaction.atomic
def case_read(
    *,
    case: Case,
    actor: User,
    messages_cursor: str = "",
    notes_cursor: str = "",
    limit: int = PAGE_DEFAULT,
) -> dict[str, Any]:
    """Decrypt what staff may read of a case. Every call is audited.

    Messages and notes come a page at a time (issue 15): the latest ``limit`` of each before
    its cursor, oldest first as a conversation reads, with the cursor of the page before it
    (``messages_earlier``, ``notes_earlier``; ``None`` when nothing earlier is left). An
    invalid cursor is refused before anything is decrypted or audited."""
    case_lock(case)
    if not policy.may_read_narrative(actor, case):
        raise CaseForbiddenError
    report = case.report
    consents = report.current_consents()
    if not reads_content(actor, case):
        # Nothing is decrypted: for a reader beyond the focal points, a witness's report about
        # an identifiable person who has not agreed; for an advocate, a report not shared.
        not_shared_with_advocate = policy.advocates_case(actor, case) and not consents.get(
            ConsentAction.SHARE_WITH_ADVOCATE, False
        )
        withheld = (
            "withheld_from_advocate" if not_shared_with_advocate else "withheld_for_affected_person"
        )
        return {**_NOTHING_DECRYPTED, withheld: True}
    try:
        key = case_data_key(case, actor)
    except NoReadingKeyError as no_key:
        # Shared with them by the rules, but no colleague has passed them the key yet (or their
        # own key is locked): nothing is decrypted, and the page says what happens next.
        reading_key_wait(case, actor)
        audit_record(stream=report.id, action=AuditAction.CASE_READ_REFUSED_NO_KEY, actor=actor)
        return {**_NOTHING_DECRYPTED, "key_missing": True, "key_missing_reason": no_key.message}
    except (ReportUnreadableError, CaseShreddedError) as unreadable:
        audit_record(stream=report.id, action=AuditAction.CASE_READ_REFUSED_SEALED, actor=actor)
        return {
            **_NOTHING_DECRYPTED,
            "sealed": True,
            # Sealed for good: nobody, the reporter included, will read it again.
            "shredded": isinstance(unreadable, CaseShreddedError),
        }
    identity_visible = policy.sees_identity(
        actor, case, disclosure_consented=consents.get(ConsentAction.IDENTITY_DISCLOSURE, False)
    )
    messages, messages_page = report_messages_page(
        report, key, with_authors=True, limit=limit, cursor=messages_cursor
    )
    notes_page = (
        keyset_page(
            InternalNote.objects.filter(case=case).select_related("author"),
            NOTE_KEYS,
            limit=limit,
            cursor=notes_cursor,
        )
        if policy.sees_internal_notes(actor, case)
        else None
    )
    content = report_content(report, key, with_identity=identity_visible)
    # Whoever opens the report passes its key to colleagues who found it waiting for them.
    reading_key_waits_fulfil(case, key)
    result: dict[str, Any] = {
        "sealed": False,
        "shredded": False,
        "withheld_from_advocate": False,
        "withheld_for_affected_person": False,
        "key_missing": False,
        "narrative": content.narrative,
        "incident_date": content.incident_date,
        "identity": content.identity,
        "identity_withheld": report.identity is not None and not identity_visible,
        "alleged_perpetrator": content.alleged_perpetrator,
        "messages": [
            {
                "id": str(read.message.id),
                "from": read.message.sender,
                "author": read.message.author.username if read.message.author else None,
                "body": read.body,
                "sent_at": read.message.sent_at.isoformat(),
            }
            for read in reversed(messages)
        ],
        "messages_earlier": messages_page.next_cursor,
        "notes": [
            {
                "id": str(n.id),
                "author": n.author.username,
                "body": envelope.open_text(n, "body", key),
                "written_at": n.written_at.isoformat(),
            }
            for n in reversed(notes_page.rows)
        ]
        if notes_page is not None
        else [],
        "notes_earlier": notes_page.next_cursor if notes_page is not None else None,
        "attachments": [
            {
                "id": str(listed.attachment.id),
                "filename": listed.filename,
                "content_type": listed.attachment.content_type,
                "size": listed.attachment.size,
            }
            for listed in report_attachments(report, key)
        ],
    }
    audit_record(
        stream=report.id,
        action=AuditAction.CASE_DECRYPTED_READ,
        actor=actor,
        detail={"identity": content.identity is not None, "messages": len(result["messages"])},
    )
    return result


@transaction.atomic
def case_attachment_read(
    *, case: Case, actor: User, attachment_id: uuid.UUID
) -> tuple[str, str, bytes] | None:
    """(filename, content type, bytes) of one of the case's attachments; audited."""
    case_lock(case)
    if not reads_content(actor, case):
        raise CaseForbiddenError
    attachment = report_attachment_find(case.report, attachment_id)
    if attachment is None:
        return None
    filename, content_type, data = attachment_file(attachment, case_data_key(case, actor))
    audit_record(
        stream=case.report_id,
        action=AuditAction.ATTACHMENT_DECRYPTED_READ,
        actor=actor,
        detail={"attachment": str(attachment.pk)},
    )
    return filename, content_type, data


# The export reads the trail in the chain's own order; the case page shows the latest first.
AUDIT_CHAIN_KEYS = (Key("position"), Key("id"))
AUDIT_LATEST_KEYS = (Key("position", descending=True), Key("id", descending=True))


def case_audit_page(
    case: Case, *, limit: int = PAGE_DEFAULT, cursor: str = "", latest_first: bool = False
) -> Page[AuditEntry]:
    """A page of the case's audit trail, in the chain's order or the latest first; one query
    whatever the page. Who may read it is the caller's to check."""
    return keyset_page(
        AuditEntry.objects.filter(stream=str(case.report_id)),
        AUDIT_LATEST_KEYS if latest_first else AUDIT_CHAIN_KEYS,
        limit=limit,
        cursor=cursor,
    )


@transaction.atomic
def case_audit_export(
    *, case: Case, actor: User, limit: int = PAGE_DEFAULT, cursor: str = ""
) -> tuple[Page[AuditEntry], bool]:
    """A page of the case's audit trail and whether its whole chain is intact; the export
    itself is audited."""
    case_lock(case)
    if not policy.may_read_audit_trail(actor, case):
        raise CaseForbiddenError
    page = case_audit_page(case, limit=limit, cursor=cursor)
    chain_valid = stream_is_valid(case.report_id)
    audit_record(stream=case.report_id, action=AuditAction.AUDIT_EXPORTED, actor=actor)
    return page, chain_valid
