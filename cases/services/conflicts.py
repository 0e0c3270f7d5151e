"""Staff declare their conflicts of interest (issue 12): with a case, or with a named person.

Declaring is stepping away: the case (or every case whose report names the person) leaves the
member's lists at once (``cases.selectors``) and nobody can give it to them again (409
``conflict_of_interest``). A case they held stays theirs until a colleague reassigns it through
the usual flow (four eyes while the reporter withholds their name), so the declaration cannot
become a way round that rule; the colleagues who handle it are told.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from audit.models import AuditAction
from audit.services import SYSTEM_STREAM, audit_record
from cases.errors import CaseForbiddenError, CaseInputError
from cases.models import Case
from cases.readers import reader_wraps_prune
from cases.services.locking import case_lock
from cases.services.opening import case_handler_ids_free_of_conflict, staff_alert_send
from reports.models import ConflictDeclaration, NamedPerson
from vault.names import person_name_index


def _step_away(case: Case, member: User) -> None:
    """The member no longer shares the case; whoever handles it is told to reassign it."""
    case.shared_with.remove(member)
    # Someone in conflict with the case no longer reads it: their wrap of its key goes.
    reader_wraps_prune(case)
    if member.id in (case.assigned_to_id, case.investigator_id):
        staff_alert_send(
            kind="conflict_declared",
            reference=case.report.reference,
            user_ids=case_handler_ids_free_of_conflict(case.handler_entity_id, case.report_id),
        )


@transaction.atomic
def conflict_declare(
    *, actor: User, case: Case | None = None, person_name: str = ""
) -> ConflictDeclaration:
    """Record ``actor``'s conflict of interest with ``case`` (one they see) or with the person
    ``person_name`` names (kept only as its keyed index), or both at once."""
    if not policy.may_declare_conflict(actor):
        raise CaseForbiddenError
    person_index = person_name_index(person_name) if person_name.strip() else None
    if person_name.strip() and person_index is None:
        raise CaseInputError({"person_name": [_("Write the person's name in letters.")]})
    if case is None and person_index is None:
        raise CaseInputError(
            {
                "person_name": [
                    _("Name the case, the person, or both, that you are in conflict with.")
                ]
            }
        )
    if case is not None:
        case_lock(case)
    declaration = ConflictDeclaration.objects.create(
        staff=actor,
        report_id=case.report_id if case is not None else None,
        person_index=person_index or "",
        declared_on=timezone.localdate(),
    )
    if case is not None:
        audit_record(
            stream=case.report_id,
            action=AuditAction.CASE_CONFLICT_DECLARED,
            actor=actor,
            detail={"staff": actor.username, "person": person_index is not None},
        )
        _step_away(case, actor)
    if person_index is not None:
        # The system trail says that a person was declared, never who.
        audit_record(
            stream=SYSTEM_STREAM,
            action=AuditAction.STAFF_CONFLICT_DECLARED,
            actor=actor,
            detail={"staff": actor.username},
        )
        named = NamedPerson.objects.filter(name_index=person_index).values("report_id")
        naming = Case.objects.select_related("report").filter(report_id__in=named)
        # The case declared above, when it names the person too, was stepped away from already:
        # a second step would tell its handlers twice.
        if case is not None:
            naming = naming.exclude(pk=case.pk)
        for held in naming:
            _step_away(held, actor)
    return declaration
