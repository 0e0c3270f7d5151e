"""Reading a report: the one place where its sealed fields are decrypted.

Every reader holds the report's data key. The reporter has it through their receipt (a
reporter session carries it for one request); a staff member has it through the wrapping to
their own public key (``reader_key``), opened with the private key their session unlocked,
which exists only while the reporter grants case review, while the rules let them read
(``cases.readers``), and never again once the report is shredded.

What each reader may be shown, and whether the read is audited, stays with the caller, because
that is where the reader is known: the reporter's reads of their own report are never audited
(their times would date the report), and every staff read is (``cases``). Nothing here writes.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from core.errors import ForbiddenError
from core.paging import PAGE_DEFAULT, Key, Page, keyset_page
from reports.models import Attachment, Message, Report
from vault import envelope, readers

# No staff member can open the report: sealed by the reporter, or shredded.
REPORT_UNREADABLE = (envelope.DataKeySealedError, envelope.DataKeyShreddedError)


class NoReadingKeyError(ForbiddenError):
    """The staff member holds no wrap of the report's key (issue 14): they cannot read it, nor
    give anyone else access to it."""

    default_message = gettext_lazy(
        "You hold no key to this report yet. A colleague who can read it passes it on when they "
        "next sign in or open the case; nobody without a key can give one."
    )


class ReadingKeyLockedError(NoReadingKeyError):
    """The staff member's own reading key is not unlocked in this session."""

    default_message = gettext_lazy(
        "Your reading key is not unlocked in this session. Sign out, then sign in again with your "
        "password."
    )


def reader_key(report: Report, actor: object) -> bytes:
    """The report's data key through ``actor``'s wrap and their session's unlocked key.

    Raises one of ``REPORT_UNREADABLE``, or ``NoReadingKeyError`` (``ReadingKeyLockedError``).
    """
    unlocked = readers.unlocked_of(actor)
    if unlocked is None:
        raise ReadingKeyLockedError
    try:
        return envelope.open_as_recipient(report.data_key, unlocked)
    except envelope.NotARecipientError:
        raise NoReadingKeyError from None


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


# Newest first, so a case's first page is its latest exchange; the id settles a tie.
MESSAGE_KEYS = (Key("position", descending=True), Key("id", descending=True))


def report_messages_page(
    report: Report,
    data_key: bytes,
    *,
    with_authors: bool = False,
    limit: int = PAGE_DEFAULT,
    cursor: str = "",
) -> tuple[list[MessageRead], Page[Message]]:
    """A page of the messages, newest first, with their bodies decrypted: the latest ``limit``
    before ``cursor``. One query whatever the page or the length of the exchange."""
    messages = report.messages.all()
    if with_authors:
        messages = messages.select_related("author")
    page = keyset_page(messages, MESSAGE_KEYS, limit=limit, cursor=cursor)
    reads = [
        MessageRead(message=message, body=envelope.open_text(message, "body", data_key))
        for message in page.rows
    ]
    return reads, page


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
