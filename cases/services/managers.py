"""The manager of a manager intervention (informal channel ``manager_intervention``, issue 12).

The focal point proposes the manager by name; the reporter reads the name in their portal and
approves or refuses it. Until they approve, the informal step with that channel is blocked
(``cases.transitions.ManagerApproved``): nothing is sent to anyone the reporter did not accept.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from cases.errors import CaseForbiddenError, CaseInputError, NoReadingKeyError
from cases.models import Case, ManagerProposal
from cases.services.locking import case_lock
from cases.services.reading import case_data_key
from cases.transitions import REPORT_NOT_SHREDDED
from reports.models import NamedPerson
from reports.timeline import timeline_add
from reports.vocabulary import InformalChannel, TimelineEvent
from vault import envelope
from vault.names import person_name_index

MANAGER_NAME_MAX = 200


@transaction.atomic
def manager_propose(*, case: Case, actor: User, name: str) -> ManagerProposal:
    """Propose ``name`` as the manager who intervenes; an earlier proposal still waiting for the
    reporter is replaced. The reporter is told, and nothing is sent until they approve."""
    case_lock(case)
    if not policy.may_propose_manager(actor, case):
        raise CaseForbiddenError
    REPORT_NOT_SHREDDED.refuse_if_blocked(case)
    if case.report.informal_channel != InformalChannel.MANAGER_INTERVENTION:
        raise CaseInputError({"name": [_("The reporter did not choose a manager's intervention.")]})
    name = name.strip()
    index = person_name_index(name)
    if index is None or len(name) > MANAGER_NAME_MAX:
        raise CaseInputError(
            {"name": [_("Write the manager's full name (200 characters at most).")]}
        )
    if NamedPerson.objects.filter(report_id=case.report_id, name_index=index).exists():
        raise CaseInputError(
            {"name": [_("This is the person the report names: they cannot be the manager.")]}
        )
    case.manager_proposals.filter(status=ManagerProposal.Status.PENDING).update(
        status=ManagerProposal.Status.REPLACED
    )
    proposal = ManagerProposal(case=case, proposed_by=actor)
    envelope.seal(proposal, "name", name, case_data_key(case, actor))
    proposal.save()
    timeline_add(case.report, TimelineEvent.MANAGER_PROPOSED)
    # The trail records that a manager was proposed, never who (the name is sealed).
    audit_record(
        stream=case.report_id,
        action=AuditAction.MANAGER_PROPOSED,
        actor=actor,
        detail={"proposal": str(proposal.id)},
    )
    return proposal


def manager_proposals_of(case: Case, actor: User) -> list[tuple[ManagerProposal, str | None]]:
    """The case's proposals, oldest first, each with its name for the staff who handle it
    (``None`` for someone who holds no key to the report yet)."""
    try:
        key: bytes | None = case_data_key(case, actor)
    except NoReadingKeyError:
        key = None
    return [
        (proposal, envelope.open_text(proposal, "name", key) if key else None)
        for proposal in case.manager_proposals.order_by("proposed_at")
    ]
