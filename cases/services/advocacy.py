"""What a victims' rights advocate does on a case beyond reading it and writing to the reporter
(issue 12): raising a rights concern, which reaches the entity's senior focal point once (none
in conflict with the case)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from cases.errors import CaseForbiddenError, CaseInputError
from cases.models import Case, RightsConcern
from cases.services.locking import case_lock
from cases.services.opening import senior_focal_point_ids_free_of_conflict, staff_alert_send
from cases.transitions import REPORT_NOT_SHREDDED
from cases.vocabulary import RightsConcernKind


@transaction.atomic
def rights_concern_raise(*, case: Case, kind: str, actor: User) -> tuple[RightsConcern, bool]:
    """The advocate raises a concern of this kind: (the concern, whether it is new).

    Idempotent: a kind already raised on the case is returned as it is, with no second audit
    entry and no second email, so the senior focal point hears of it once.
    """
    case_lock(case)
    if not policy.may_raise_rights_concern(actor, case):
        raise CaseForbiddenError
    if kind not in RightsConcernKind.values:
        raise CaseInputError({"kind": [_("Choose one of the listed concerns.")]})
    REPORT_NOT_SHREDDED.refuse_if_blocked(case)
    raised = case.rights_concerns.filter(kind=kind).first()
    if raised is not None:
        return raised, False
    concern = RightsConcern(case=case, kind=kind, raised_by=actor)
    concern.full_clean()
    concern.save()
    audit_record(
        stream=case.report_id,
        action=AuditAction.RIGHTS_CONCERN_RAISED,
        actor=actor,
        detail={"kind": kind},
    )
    staff_alert_send(
        kind="rights_concern",
        reference=case.report.reference,
        user_ids=senior_focal_point_ids_free_of_conflict(case),
    )
    return concern, True
