"""The case page's "Protection from retaliation" part (issue 12): the risk and the interim
measures the handler records, and the cases tied to this one by retaliation. No JavaScript."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.models import User
from accounts.views import staff_required
from cases.errors import CaseConsentRequiredError
from cases.models import Case
from cases.selectors import case_for, retaliation_links
from cases.services.retaliation import (
    INTERIM_MEASURE_CONSENTS,
    interim_measure_codes,
    retaliation_risk_record,
)
from cases.vocabulary import CaseState, InterimMeasureKind, RetaliationRisk
from core.errors import DomainError, NotFoundError
from reports.vocabulary import ReportKind, consent_purposes


def retaliation_panel(case: Case, user: User) -> dict[str, Any]:
    """What the case page shows and offers about retaliation."""
    consents = case.report.current_consents()
    missing = [action for action in INTERIM_MEASURE_CONSENTS if not consents.get(action)]
    in_place = interim_measure_codes(case)
    return {
        "is_retaliation": case.report.kind == ReportKind.RETALIATION,
        "risk_label": RetaliationRisk(case.retaliation_risk).label if case.retaliation_risk else "",
        "measures": [InterimMeasureKind(code).label for code in in_place],
        "may_record": policy.may_record_retaliation_risk(user, case)
        and case.state not in (CaseState.RECEIVED, CaseState.CLOSED),
        "risks": [
            (code, label, code == case.retaliation_risk) for code, label in RetaliationRisk.choices
        ],
        "measure_options": [
            (code, label, code in in_place) for code, label in InterimMeasureKind.choices
        ],
        "measures_blocked": missing,
        "measures_blocked_words": _(
            "New interim measures need the reporter's consent to %(what)s. Without it, only the "
            "risk is recorded; measures already in place can be kept or lifted."
        )
        % {"what": get_text_list(consent_purposes(missing), _("and"))}
        if missing
        else "",
        **retaliation_links(case, user),
    }


@require_POST
@staff_required
def retaliation_risk_action(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    case = case_for(user, case_id)
    if case is None:
        return render(request, "errors/404.html", status=404)
    try:
        retaliation_risk_record(
            case=case,
            actor=user,
            risk=request.POST.get("retaliation_risk", ""),
            interim_measures=request.POST.getlist("interim_measures"),
        )
    except CaseConsentRequiredError as refused:
        messages.error(
            request,
            _(
                "Nothing was recorded: interim measures need the reporter's consent to %(what)s. "
                "Record the risk without new measures, or ask the reporter."
            )
            % {"what": get_text_list(consent_purposes(refused.missing), _("and"))},
        )
        return redirect("staff:case", case_id=case_id)
    except DomainError as error:
        if isinstance(error, NotFoundError):
            return render(request, "errors/404.html", status=404)
        messages.error(request, error.page_message())
        return redirect("staff:case", case_id=case_id)
    messages.success(request, _("The retaliation risk and interim measures are recorded."))
    return redirect("staff:case", case_id=case_id)
