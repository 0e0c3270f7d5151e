"""What a signed-in reporter sees of their own report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

from reports.models import Report
from reports.services import ReporterAccess
from reports.timeline import status_label, timeline_label
from vault import envelope


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def reporter_state(case: Any, *, sealed: bool) -> tuple[str, str]:
    """The contract's ``state`` and the humane ``status_label`` for the reporter."""
    if case is None:
        return "recorded", status_label("recorded")
    if sealed:
        return case.state, status_label("resealed")
    return case.state, status_label(case.state)


def reporter_report_view(*, report: Report, data_key: bytes) -> dict[str, Any]:
    """The REPORT object of the contract, with what the reporter submitted, for them only."""
    from cases.models import Case

    key = data_key
    case = Case.objects.filter(report=report).first()
    sealed = envelope.is_sealed(report.data_key)
    state, label = reporter_state(case, sealed=sealed)
    report.forget_consents()
    consents = report.current_consents()
    identity = envelope.open_text(report, "identity", key)
    perpetrator = envelope.open_text(report, "alleged_perpetrator", key)
    return {
        "reference": report.reference,
        "entity": report.entity.code,
        "category": report.category,
        "route": report.route,
        "informal_channel": report.informal_channel or None,
        "state": state,
        "status_label": label,
        "sealed": sealed,
        # The day only, as stored: midnight UTC of the day of submission.
        "submitted_at": _iso(datetime.combine(report.submitted_on, time(0), tzinfo=UTC)),
        "consents": consents,
        "consent_history": [
            {"action": c.action, "granted": c.granted, "at": _iso(c.recorded_at)}
            for c in report.consents.order_by("recorded_at", "position")
        ],
        "messages": [
            {
                "id": str(message.id),
                "from": message.sender,
                "body": envelope.open_text(message, "body", key),
                "sent_at": _iso(message.sent_at),
            }
            for message in report.messages.order_by("sent_at")
        ],
        "timeline": [
            {"at": _iso(entry.at), "label": timeline_label(entry.event, entry.params)}
            for entry in report.timeline.order_by("at", "position")
        ],
        "narrative": envelope.open_text(report, "narrative", key),
        "incident_date": envelope.open_text(report, "incident_date", key),
        "location_type": report.location_type or None,
        "reporter_role": report.reporter_role,
        "identity_disclosure": report.identity_disclosure,
        "identity": json.loads(identity) if identity else None,
        "alleged_perpetrator": json.loads(perpetrator) if perpetrator else None,
        "attachments": [
            {
                "id": str(attachment.id),
                "filename": envelope.open_text(attachment, "filename", key),
                "content_type": attachment.content_type,
                "size": attachment.size,
            }
            for attachment in report.attachments.all()
        ],
        "deadlines": {
            "acknowledgement_due": case.acknowledgement_due.isoformat() if case else None,
            "feedback_due": case.feedback_due.isoformat() if case and case.feedback_due else None,
        },
    }


def reporter_attachment(
    access: ReporterAccess, attachment_id: str
) -> tuple[str, str, bytes] | None:
    """(filename, content type, bytes) of one of the reporter's own attachments."""
    attachment = (
        access.report.attachments.select_related("content").filter(id=attachment_id).first()
    )
    if attachment is None:
        return None
    data = envelope.open_bytes(attachment.content, "data", access.data_key) or b""
    filename = envelope.open_text(attachment, "filename", access.data_key) or "attachment"
    return filename, attachment.content_type, data
