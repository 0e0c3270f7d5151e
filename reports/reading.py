"""Reading a report: the one place where its sealed fields are decrypted.

Every reader holds the report's data key. The reporter has it through their receipt (a
reporter session carries it for one request); the organisation's staff have it through the
organisation's wrapping (``organisation_key``), which exists only while the reporter grants case
review and is gone for good once the report is shredded.

What each reader may be shown, and whether the read is audited, stays with the caller, because
that is where the reader is known: the reporter's reads of their own report are never audited
(their times would date the report), and every staff read is (``cases``). Nothing here writes.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from reports.models import Attachment, Message, Report
from vault import envelope

# The organisation cannot open the report: sealed by the reporter, or shredded.
REPORT_UNREADABLE = (envelope.DataKeySealedError, envelope.DataKeyShreddedError)


def organisation_key(report: Report) -> bytes:
    """The report's data key through the organisation's wrapping.

    Raises one of ``REPORT_UNREADABLE`` when the report is sealed or shredded.
    """
    return envelope.open_with_organisation_key(report.data_key)


@dataclass(frozen=True)
class ReportContent:
    """What the reporter wrote at intake, decrypted.

    ``incident_date`` is the ISO date as stored. ``identity`` is ``None`` when the reporter
    stayed anonymous, and when it was not asked for (``with_identity=False``).
    """

    narrative: str | None
    incident_date: str | None
    identity: dict[str, str] | None
    alleged_perpetrator: dict[str, str] | None


def report_content(report: Report, data_key: bytes, *, with_identity: bool = True) -> ReportContent:
    """The report's sealed fields. Without ``with_identity`` the identity is not even decrypted."""
    identity = envelope.open_text(report, "identity", data_key) if with_identity else None
    perpetrator = envelope.open_text(report, "alleged_perpetrator", data_key)
    return ReportContent(
        narrative=envelope.open_text(report, "narrative", data_key),
        incident_date=envelope.open_text(report, "incident_date", data_key),
        identity=json.loads(identity) if identity else None,
        alleged_perpetrator=json.loads(perpetrator) if perpetrator else None,
    )


@dataclass(frozen=True)
class MessageRead:
    message: Message
    body: str | None


def report_messages(
    report: Report, data_key: bytes, *, with_authors: bool = False
) -> list[MessageRead]:
    """The messages between reporter and staff, oldest first, with their bodies decrypted.

    ``with_authors`` loads each staff author in the same query, for readers shown who wrote.
    """
    messages = report.messages.order_by("position")
    if with_authors:
        messages = messages.select_related("author")
    return [
        MessageRead(message=message, body=envelope.open_text(message, "body", data_key))
        for message in messages
    ]


@dataclass(frozen=True)
class AttachmentListed:
    attachment: Attachment
    filename: str | None


def report_attachments(report: Report, data_key: bytes) -> list[AttachmentListed]:
    """The report's attachments with their file names decrypted (not their content)."""
    return [
        AttachmentListed(
            attachment=attachment, filename=envelope.open_text(attachment, "filename", data_key)
        )
        for attachment in report.attachments.all()
    ]


def report_attachment_find(report: Report, attachment_id: uuid.UUID) -> Attachment | None:
    """One of the report's attachments, its content loaded with it; nothing is decrypted yet."""
    return report.attachments.select_related("content").filter(pk=attachment_id).first()


def attachment_file(attachment: Attachment, data_key: bytes) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of an attachment found by ``report_attachment_find``."""
    data = envelope.open_bytes(attachment.content, "data", data_key) or b""
    filename = envelope.open_text(attachment, "filename", data_key) or "attachment"
    return filename, attachment.content_type, data
