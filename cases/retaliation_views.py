"""The case page's "Protection from retaliation" part (issue 12): the risk and the interim
measures the handler records, and the cases tied to this one by retaliation. No JavaScript.
Its form posts to ``cases.views.retaliation_risk_action``."""

from __future__ import annotations

from typing import Any

from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from cases.models import Case
from cases.selectors import retaliation_links
from cases.services.retaliation import (
    interim_measure_codes,
    interim_measure_consents_missing,
    retaliation_risk_recordable_now,
)
from cases.vocabulary import InterimMeasureKind, RetaliationRisk
from reports.vocabulary import ReportKind, consent_purposes


def retaliation_panel(case: Case, user: User) -> dict[str, Any]:
    """What the case page shows and offers about retaliation."""
    missing = interim_measure_consents_missing(case)
    in_place = interim_measure_codes(case)
    return {
        "is_retaliation": case.report.kind == ReportKind.RETALIATION,
        "risk_label": RetaliationRisk(case.retaliation_risk).label if case.retaliation_risk else "",
        "measures": [InterimMeasureKind(code).label for code in in_place],
        "may_record": policy.may_record_retaliation_risk(user, case)
        and retaliation_risk_recordable_now(case),
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
