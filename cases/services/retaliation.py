"""Protection from retaliation on the staff's side (issue 12): at acknowledgement, or any time
the case is open after it, the handler records the risk that the reporter suffers retaliation
and the interim (protective) measures the reporter consents to."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from cases.errors import (
    CaseConsentRequiredError,
    CaseForbiddenError,
    CaseInputError,
    RetaliationRiskNotNowError,
)
from cases.models import Case, InterimMeasure
from cases.services.locking import case_lock
from cases.transitions import REPORT_NOT_SHREDDED
from cases.vocabulary import CaseState, InterimMeasureKind, RetaliationRisk
from reports.vocabulary import ConsentAction

# An interim measure acts on the reporter's working life: it needs the case reviewed and the
# reporter's consent to protective measures, like a step of the contract's table.
INTERIM_MEASURE_CONSENTS: tuple[str, ...] = (
    ConsentAction.CASE_REVIEW,
    ConsentAction.INTERIM_MEASURES,
)


def _cleaned(risk: object, measures: object) -> tuple[str, list[str]]:
    problems: dict[str, list[str]] = {}
    risk_code = risk if isinstance(risk, str) and risk in RetaliationRisk.values else ""
    if not risk_code:
        problems["retaliation_risk"] = [
            _("Give the retaliation risk: one of %(codes)s.")
            % {"codes": ", ".join(RetaliationRisk.values)}
        ]
    given = list(measures) if isinstance(measures, list | tuple) else [None]
    if any(code not in InterimMeasureKind.values for code in given):
        problems["interim_measures"] = [
            _("Give the interim measures as a list of codes from %(codes)s.")
            % {"codes": ", ".join(InterimMeasureKind.values)}
        ]
    if problems:
        raise CaseInputError(problems)
    # In the vocabulary's order, each once: the same record however the form sent them.
    return risk_code, [code for code in InterimMeasureKind.values if code in given]


@transaction.atomic
def retaliation_risk_record(
    *, case: Case, actor: User, risk: object, interim_measures: object = ()
) -> Case:
    """Record the retaliation risk and the interim measures in place, replacing earlier ones.

    A measure not yet in place needs the reporter's consent (409 ``consent_required`` naming
    what is missing, and nothing is recorded, the risk neither); keeping or lifting measures
    already in place does not, so a withdrawn consent stops new measures only, as the reporter
    is told when withdrawing it.
    """
    case_lock(case, reread_case=True)
    if not policy.may_record_retaliation_risk(actor, case):
        raise CaseForbiddenError
    REPORT_NOT_SHREDDED.refuse_if_blocked(case)
    if not retaliation_risk_recordable_now(case):
        raise RetaliationRiskNotNowError([])
    risk_code, measures = _cleaned(risk, interim_measures)
    in_place = set(case.interim_measures.values_list("measure", flat=True))
    if set(measures) - in_place:
        missing = interim_measure_consents_missing(case)
        if missing:
            raise CaseConsentRequiredError(missing)
    case.retaliation_risk = risk_code
    case.save(update_fields=["retaliation_risk"])
    case.interim_measures.exclude(measure__in=measures).delete()
    InterimMeasure.objects.bulk_create(
        [InterimMeasure(case=case, measure=code) for code in measures], ignore_conflicts=True
    )
    audit_record(
        stream=case.report_id,
        action=AuditAction.CASE_RETALIATION_RISK_RECORDED,
        actor=actor,
        detail={"retaliation_risk": risk_code, "interim_measures": measures},
    )
    return case


def retaliation_risk_recordable_now(case: Case) -> bool:
    """After acknowledgement and until closure: when the handler assesses the risk."""
    return case.state not in (CaseState.RECEIVED, CaseState.CLOSED)


def interim_measure_consents_missing(case: Case) -> list[str]:
    """The consents a new interim measure needs that the reporter has not given."""
    consents = case.report.current_consents()
    return [action for action in INTERIM_MEASURE_CONSENTS if not consents.get(action)]


def interim_measure_codes(case: Case) -> list[str]:
    """The interim measures in place, in the vocabulary's order."""
    recorded = set(case.interim_measures.values_list("measure", flat=True))
    return [code for code in InterimMeasureKind.values if code in recorded]
