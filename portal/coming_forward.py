"""The affected person comes forward: a code a witness passes on (issue 12).

A witness's consents cover only what concerns the witness. A formal step about a person the
witness says can be identified needs that person's own consent (``cases.transitions``'s
``ConsentGate.about_the_affected_person``). The witness cannot give it; this module is how the
affected person can: the witness asks their portal for a code and passes it on (in person, by a
message of their choosing); the affected person files a report of their own, as anyone does, and
then, in their own portal and only if they agree, enters the code to link the two reports. From
then on their own consents decide the formal steps about them on the witness's case too.

The code is a receipt-strength secret (about 99 bits, ``reports.receipts``): shown once, never
stored, found by a keyed hash. It opens nothing by itself: not the witness's report, not the
affected person's. Without the link nothing ties the two reports together, and nobody learns
that the code was ever used.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditAction, AuditEntry
from audit.services import audit_record
from cases.selectors import grounds_gone_ahead_without_the_affected_person
from core.errors import InvalidInputError
from portal.services import ReporterAccess, alert_staff, report_locked_for
from reports.locking import report_lock
from reports.models import AffectedPersonInvitation, Report
from reports.receipts import normalise_receipt, receipt_new
from reports.timeline import timeline_add
from reports.vocabulary import ReporterRole, TimelineEvent
from vault import envelope

REPORTER = AuditEntry.ActorKind.REPORTER
_PURPOSE = "affected-person-code"


class ComingForwardRefusedError(InvalidInputError):
    """The code cannot link these reports; ``fields`` says why (nothing was written)."""

    def __init__(self, message: str) -> None:
        super().__init__({"code": [message]})


def _digest(code: str) -> str:
    return envelope.blind_index(_PURPOSE, code)


@transaction.atomic
def affected_person_code_issue(*, access: ReporterAccess) -> str:
    """A new code for the witness to pass on; returned once. It replaces an unused earlier
    one; once the affected person has linked their report, no other code is needed."""
    report = report_locked_for(access)
    if report.reporter_role != ReporterRole.WITNESS:
        raise ComingForwardRefusedError(
            str(_("Only a witness's report gives a code to pass on to the person affected."))
        )
    existing = AffectedPersonInvitation.objects.filter(witness_report=report).first()
    if existing is not None and existing.affected_report_id is not None:
        raise ComingForwardRefusedError(
            str(_("The person affected has already come forward and linked their report."))
        )
    code = receipt_new()
    AffectedPersonInvitation.objects.update_or_create(
        witness_report=report,
        defaults={"code_index": _digest(code), "issued_on": timezone.localdate()},
    )
    timeline_add(report, TimelineEvent.AFFECTED_PERSON_CODE_ISSUED)
    audit_record(
        stream=report.id, action=AuditAction.AFFECTED_PERSON_CODE_ISSUED, actor_kind=REPORTER
    )
    return code


@transaction.atomic
def affected_person_link(*, access: ReporterAccess, code: str) -> AffectedPersonInvitation:
    """The affected person, signed in to their own report, links it to the witness's one whose
    code they were given: their agreement, recorded on both reports."""
    own = report_locked_for(access)
    typed = normalise_receipt(code)
    found = (
        AffectedPersonInvitation.objects.filter(code_index=_digest(typed)).first()
        if typed
        else None
    )
    if found is None or found.witness_report_id == own.pk:
        raise ComingForwardRefusedError(
            str(_("This code does not match a witness's report. Check it and try again."))
        )
    if own.reporter_role != ReporterRole.AFFECTED_PERSON:
        raise ComingForwardRefusedError(
            str(_("Only a report by the person it happened to can be linked with this code."))
        )
    if AffectedPersonInvitation.objects.filter(affected_report=own).exists():
        raise ComingForwardRefusedError(
            str(_("Your report is already linked to a witness's report."))
        )
    # The reports' lock order: the one this request holds first, then the witness's.
    witness_report = report_lock(found.witness_report_id)
    invitation = AffectedPersonInvitation.objects.select_for_update().get(pk=found.pk)
    if invitation.affected_report_id is not None:
        raise ComingForwardRefusedError(str(_("This code has already been used.")))
    invitation.affected_report = own
    invitation.linked_on = timezone.localdate()
    invitation.save(update_fields=["affected_report", "linked_on"])
    timeline_add(own, TimelineEvent.LINKED_TO_WITNESS)
    # What staff already went ahead with on the witness's report without them, they now learn.
    for ground in grounds_gone_ahead_without_the_affected_person(witness_report.pk):
        timeline_add(own, TimelineEvent.WENT_AHEAD_WITHOUT_YOU, ground=ground)
    timeline_add(witness_report, TimelineEvent.AFFECTED_PERSON_CAME_FORWARD)
    for report in (own, witness_report):
        audit_record(
            stream=report.id, action=AuditAction.AFFECTED_PERSON_LINKED, actor_kind=REPORTER
        )
    # Whoever handles the witness's case learns that the affected person's consents now count.
    alert_staff(witness_report, "consent_changed")
    return invitation


class ComingForward(StrEnum):
    """Where a report stands on this path, for its reporter's portal."""

    # A witness's report: a code can be passed on to the person it happened to.
    WITNESS_MAY_GIVE_A_CODE = "witness_may_give_a_code"
    # A witness's report: the affected person came forward and linked their report.
    AFFECTED_PERSON_LINKED = "affected_person_linked"
    # The affected person's own report, not linked: a witness's code can link it.
    MAY_LINK = "may_link"
    # The affected person's own report, linked to a witness's.
    LINKED = "linked"


def coming_forward_state(report: Report) -> ComingForward:
    if report.reporter_role == ReporterRole.WITNESS:
        linked = AffectedPersonInvitation.objects.filter(
            witness_report=report, affected_report__isnull=False
        ).exists()
        return (
            ComingForward.AFFECTED_PERSON_LINKED
            if linked
            else ComingForward.WITNESS_MAY_GIVE_A_CODE
        )
    if AffectedPersonInvitation.objects.filter(affected_report=report).exists():
        return ComingForward.LINKED
    return ComingForward.MAY_LINK
