"""What a signed-in reporter sees of their own report.

The sealed fields are decrypted by ``reports.reading`` with the key the reporter's receipt
opened; the reporter reading their own report is not audited.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from typing import Any

from cases.models import Case, ManagerProposal
from cases.vocabulary import CaseState
from portal.retaliation import check_in_open
from portal.services import ReporterAccess
from reports.models import Report
from reports.reading import (
    attachment_file,
    report_attachment_find,
    report_attachments,
    report_content,
    report_messages,
)
from reports.timeline import status_label, timeline_label
from reports.vocabulary import ReportKind
from vault import envelope


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def reporter_state(
    case: Case | None, *, sealed: bool, kind: str = ReportKind.HARASSMENT
) -> tuple[str, str]:
    """The contract's ``state`` and the humane ``status_label`` for the reporter."""
    if case is None:
        return "recorded", status_label("recorded")
    if sealed:
        return case.state, status_label("resealed")
    if case.state == CaseState.RECEIVED and kind == ReportKind.RETALIATION:
        return case.state, status_label("received_retaliation")
    return case.state, status_label(case.state)


def reporter_check_in(report: Report) -> dict[str, Any] | None:
    """The check-in the portal shows now (issue 12), or ``None``."""
    due = check_in_open(report)
    if due is None:
        return None
    return {"id": str(due.id), "months": due.months, "due_on": due.due_on.isoformat()}


def reporter_report_view(*, report: Report, data_key: bytes) -> dict[str, Any]:
    """The REPORT object of the contract, with what the reporter submitted, for them only."""
    case = Case.objects.filter(report=report).first()
    sealed = envelope.is_sealed(report.data_key)
    state, label = reporter_state(case, sealed=sealed, kind=report.kind)
    report.forget_consents()
    consents = report.current_consents()
    content = report_content(report, data_key)
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
                "id": str(read.message.id),
                "from": read.message.sender,
                "body": read.body,
                "sent_at": _iso(read.message.sent_at),
            }
            for read in report_messages(report, data_key)
        ],
        "timeline": [
            {"at": _iso(entry.at), "label": timeline_label(entry.event, entry.params)}
            for entry in report.timeline.order_by("at", "position")
        ],
        "narrative": content.narrative,
        "incident_date": content.incident_date,
        "location_type": report.location_type or None,
        "reporter_role": report.reporter_role,
        "identity_disclosure": report.identity_disclosure,
        "identity": content.identity,
        "alleged_perpetrator": content.alleged_perpetrator,
        "attachments": [
            {
                "id": str(listed.attachment.id),
                "filename": listed.filename,
                "content_type": listed.attachment.content_type,
                "size": listed.attachment.size,
            }
            for listed in report_attachments(report, data_key)
        ],
        "deadlines": {
            "acknowledgement_due": case.acknowledgement_due.isoformat() if case else None,
            "feedback_due": case.feedback_due.isoformat() if case and case.feedback_due else None,
        },
        # Issue 12: what this report is, the reports of retaliation filed from it (their
        # references only: each opens with its own receipt), and a check-in that is due.
        "kind": report.kind,
        "retaliation_of": report.retaliation_of.reference if report.retaliation_of else None,
        "retaliation_reports": list(
            report.retaliation_reports.order_by("submitted_on", "reference").values_list(
                "reference", flat=True
            )
        ),
        "check_in": reporter_check_in(report),
        **reporter_handling_view(case, data_key),
    }


def reporter_handling_view(case: Case | None, data_key: bytes) -> dict[str, Any]:
    """Who handles the case, as far as the reporter has a say in it (issue 12): whether they
    may ask for a different handler now, and the manager proposed to intervene, by name (the
    reporter's key opens it), with its status."""
    proposal = (
        case.manager_proposals.exclude(status=ManagerProposal.Status.REPLACED)
        .order_by("-proposed_at")
        .first()
        if case is not None
        else None
    )
    return {
        "handler_change_possible": bool(case and case.assigned_to_id),
        "handled_independently": bool(case and case.handling_entity_id),
        "manager_proposal": (
            {
                "id": str(proposal.id),
                "name": envelope.open_text(proposal, "name", data_key),
                "status": proposal.status,
            }
            if proposal is not None
            else None
        ),
    }


def reporter_attachment(
    access: ReporterAccess, attachment_id: uuid.UUID
) -> tuple[str, str, bytes] | None:
    """(filename, content type, bytes) of one of the reporter's own attachments."""
    attachment = report_attachment_find(access.report, attachment_id)
    if attachment is None:
        return None
    return attachment_file(attachment, access.data_key)
