"""Protection from retaliation on the reporter's side (issue 12): "something happened since",
and the check-ins after a case is closed.

A report of retaliation is a report of its own: its own receipt (shown once, like any other),
its own data key and its own consents, so it proceeds only with consent like any case. It points
at the report whose reporter suffered it (``Report.retaliation_of``), takes that report's entity,
category and reporter role, and keeps no identity: the focal point who holds the original case
already knows what the reporter chose to share there. Its case is due within working days and
reaches the original handler and the entity's senior focal points (``cases.services.opening``).

Check-ins are shown in the portal only, never sent: a reporter has no address we may write to,
and any message could tell someone else that there was a case.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditAction
from audit.services import audit_record
from cases.models import Case
from cases.vocabulary import CaseState, SystemClosureReason
from core.batches import BATCH_SIZE, batched
from core.errors import InvalidInputError, NotFoundError
from portal.services import (
    REPORTER,
    ReporterAccess,
    ReportSubmission,
    SubmittedReport,
    report_locked_for,
    report_submit,
)
from reports.limits import NARRATIVE_MAX, characters
from reports.models import CheckIn, Report
from reports.timeline import timeline_add
from reports.vocabulary import (
    CHECK_IN_MONTHS,
    CheckInAnswer,
    ConsentAction,
    IdentityDisclosure,
    InformalChannel,
    ReportKind,
    Route,
    TimelineEvent,
)

# A closed case's check-ins are created while its last one can still come due: no case closed
# longer ago than this is read by the daily task.
_CHECK_IN_HORIZON = relativedelta(months=max(CHECK_IN_MONTHS), days=31)


class CheckInNotFoundError(NotFoundError):
    """No check-in of this reporter's report that is due and unanswered."""

    default_message = gettext_lazy("This check-in is not open: it was answered or is not due.")

    def page_message(self) -> str:
        return self.message


@dataclass(frozen=True)
class RetaliationAccount:
    """What the reporter says happened since, and what they agree to."""

    narrative: str
    route: str = Route.UNDECIDED
    informal_channel: str = ""
    consents: dict[str, bool] | None = None

    def problems(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        if not self.narrative.strip() or len(self.narrative) > NARRATIVE_MAX:
            found["narrative"] = [
                _("Say what happened, in up to %(characters)s characters.")
                % {"characters": characters(NARRATIVE_MAX)}
            ]
        if self.route not in Route.values or (
            (self.route == Route.INFORMAL) != (self.informal_channel in InformalChannel.values)
        ):
            found["route"] = [_("Choose a route, and for the informal route how it should happen.")]
        unknown = [action for action in self.consents or {} if action not in ConsentAction.values]
        if unknown:
            found["consents"] = [
                _("Unknown consent: %(codes)s.") % {"codes": ", ".join(sorted(unknown))}
            ]
        return found


def retaliation_report_submit(
    *,
    access: ReporterAccess,
    account: RetaliationAccount,
    intake_form_key: str | None = None,
    on_stored: Callable[[SubmittedReport], None] | None = None,
) -> SubmittedReport:
    """File a report of retaliation linked to the signed-in reporter's report.

    Returns it with its own receipt, shown once. The original report's timeline and audit trail
    record that it was filed (its reference, never what it says). Bad input raises
    ``InvalidInputError`` and files nothing.
    """
    problems = account.problems()
    if problems:
        raise InvalidInputError(problems)
    original = access.report

    def link_to_original(submitted: SubmittedReport) -> None:
        # Inside the new report's transaction: both records commit together or not at all.
        locked = report_locked_for(access)
        timeline_add(
            locked, TimelineEvent.RETALIATION_REPORTED, reference=submitted.report.reference
        )
        audit_record(
            stream=locked.id,
            action=AuditAction.RETALIATION_REPORTED,
            actor_kind=REPORTER,
            detail={"reference": submitted.report.reference},
        )
        if on_stored is not None:
            on_stored(submitted)

    return report_submit(
        submission=ReportSubmission(
            entity=original.entity,
            category=original.category,
            route=account.route,
            informal_channel=account.informal_channel if account.route == Route.INFORMAL else "",
            narrative=account.narrative,
            reporter_role=original.reporter_role,
            # What happened since is told by the same witness about the same person.
            affected_person_identifiable=original.affected_person_identifiable,
            identity_disclosure=IdentityDisclosure.ANONYMOUS,
            consents=dict(account.consents or {}),
            kind=ReportKind.RETALIATION,
            retaliation_of=original,
        ),
        intake_form_key=intake_form_key,
        on_stored=link_to_original,
    )


# --- Check-ins after closure ------------------------------------------------------------------


def check_ins_schedule(*, today: date | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Create the check-ins that have come due, each once, however often this runs.

    The beat task runs it daily. A check-in is due ``months`` after its case was closed; a case
    closed because its report was shredded gets none (nobody holds its receipt any more). The
    closed cases are read ``batch_size`` at a time: a year of closures does not fit in a
    worker's memory at the scale of the UN system.
    """
    today = today or timezone.now().date()
    closed = (
        Case.objects.filter(
            state=CaseState.CLOSED,
            closed_at__date__gte=today - _CHECK_IN_HORIZON,
            closed_at__date__lte=today - timedelta(days=1),
        )
        .exclude(closure_reason=SystemClosureReason.SHREDDED)
        .values_list("report_id", "closed_at")
    )
    return sum(
        _check_ins_create(batch, today)
        for batch in batched(closed.iterator(chunk_size=batch_size), batch_size)
    )


def _check_ins_create(closed: list[tuple[uuid.UUID, datetime | None]], today: date) -> int:
    due = [
        CheckIn(report_id=report_id, months=months, due_on=due_on)
        for report_id, closed_at in closed
        if closed_at is not None
        for months in CHECK_IN_MONTHS
        if (due_on := closed_at.date() + relativedelta(months=months)) <= today
    ]
    existing = set(
        CheckIn.objects.filter(report_id__in={c.report_id for c in due}).values_list(
            "report_id", "months"
        )
    )
    missing = [c for c in due if (c.report_id, c.months) not in existing]
    # Two runs at once: the unique constraint keeps one of each, the other is ignored.
    CheckIn.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def check_in_open(report: Report, *, today: date | None = None) -> CheckIn | None:
    """The check-in the portal shows now: the latest one due and unanswered."""
    today = today or timezone.now().date()
    return (
        report.check_ins.filter(due_on__lte=today, answered_on__isnull=True)
        .order_by("-months")
        .first()
    )


@transaction.atomic
def check_in_answer(*, access: ReporterAccess, check_in_id: object, answer: str) -> CheckIn:
    """The reporter answers a check-in: all fine, or something happened since.

    "Something happened" is recorded as the reporter's answer only; it reaches nobody by itself.
    The portal then offers the report of retaliation, which is the reporter's choice to send.
    """
    if answer not in CheckInAnswer.values:
        raise InvalidInputError(
            {"answer": [_("Answer one of %(codes)s.") % {"codes": ", ".join(CheckInAnswer)}]}
        )
    report = report_locked_for(access)
    open_now = check_in_open(report)
    if open_now is None or str(open_now.id) != str(check_in_id):
        raise CheckInNotFoundError
    open_now.answer = answer
    open_now.answered_on = timezone.now().date()
    open_now.save(update_fields=["answer", "answered_on"])
    # Answering the latest check-in answers the earlier ones the reporter never saw.
    report.check_ins.filter(answered_on__isnull=True, due_on__lte=open_now.due_on).update(
        answer=answer, answered_on=open_now.answered_on
    )
    timeline_add(report, TimelineEvent.CHECK_IN_ANSWERED, answer=answer)
    audit_record(
        stream=report.id,
        action=AuditAction.CHECK_IN_ANSWERED,
        actor_kind=REPORTER,
        detail={"months": open_now.months, "answer": answer},
    )
    access.report = report
    return open_now
