"""Staff reads of a case: the report, its messages and notes, attachments, the audit trail.

Every read of decrypted content is audited, and so is a refused one (a sealed report), so the
trail shows who looked at what and when.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from accounts import policy
from accounts.models import User
from audit.models import AuditEntry
from audit.services import audit_record, stream_entries, stream_is_valid
from cases.errors import CaseForbiddenError, ReportUnreadableError
from cases.models import Case
from reports.vocabulary import ConsentAction
from vault import envelope


def case_data_key(case: Case) -> bytes:
    """The report's key through the organisation's wrapping.

    Raises ``ReportUnreadableError`` when the reporter sealed the report or it was shredded.
    """
    try:
        return envelope.open_with_organisation_key(case.report.data_key)
    except (envelope.ReportSealedError, envelope.DataKeyShreddedError):
        raise ReportUnreadableError from None


@transaction.atomic
def case_read(*, case: Case, actor: User) -> dict[str, Any]:
    """Decrypt what staff may read of a case. Every call is audited."""
    if not policy.may_read_narrative(actor, case):
        raise CaseForbiddenError
    report = case.report
    try:
        key = case_data_key(case)
    except ReportUnreadableError:
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
    identity_visible = policy.sees_identity(
        actor, case, disclosure_consented=consents.get(ConsentAction.IDENTITY_DISCLOSURE, False)
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
        if policy.sees_internal_notes(actor, case)
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


@transaction.atomic
def case_audit_export(*, case: Case, actor: User) -> tuple[list[AuditEntry], bool]:
    """The case's audit trail and whether its chain is intact; the export itself is audited."""
    if not policy.may_read_audit_trail(actor, case):
        raise CaseForbiddenError
    entries = stream_entries(case.report_id)
    chain_valid = stream_is_valid(case.report_id)
    audit_record(stream=case.report_id, action="audit.exported", actor=actor)
    return entries, chain_valid
