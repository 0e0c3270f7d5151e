"""The staff's own labels on a case (for sorting their work; never shown to the reporter)."""

from __future__ import annotations

from django.db import transaction

from accounts import policy
from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from cases.errors import CaseForbiddenError
from cases.models import Case
from cases.services.locking import case_lock


@transaction.atomic
def labels_set(*, case: Case, actor: User, labels: list[str]) -> Case:
    case_lock(case, reread_case=True)
    if not policy.may_label(actor, case):
        raise CaseForbiddenError
    cleaned = sorted({label.strip()[:40] for label in labels if label.strip()})[:20]
    case.labels = cleaned
    case.save(update_fields=["labels"])
    # The labels themselves stay out of the audit trail, which is never shredded.
    audit_record(
        stream=case.report_id,
        action=AuditAction.CASE_LABELS_SET,
        actor=actor,
        detail={"count": len(cleaned)},
    )
    return case
