"""Whether a report's reporter is asked the closing survey, and if not, why."""

from __future__ import annotations

from enum import StrEnum

from cases.models import Case
from cases.vocabulary import CaseState
from reports.models import Report
from reports.vocabulary import ConsentAction


class SurveyStatus(StrEnum):
    OFFERED = "offered"
    ANSWERED = "answered"  # once per report
    NOT_CLOSED = "not_closed"  # no case yet (sealed, record only), or the case is still open
    # Survey answers count only in the finer figures, which need the reporter's agreement.
    NEEDS_STATISTICS_CONSENT = "needs_statistics_consent"


def survey_status(report: Report) -> SurveyStatus:
    if report.survey_answered:
        return SurveyStatus.ANSWERED
    # A sealed report may have no case at all; a resealed one keeps the case it had.
    if not Case.objects.filter(report_id=report.pk, state=CaseState.CLOSED).exists():
        return SurveyStatus.NOT_CLOSED
    report.forget_consents()
    if not report.current_consents()[ConsentAction.STATISTICS]:
        return SurveyStatus.NEEDS_STATISTICS_CONSENT
    return SurveyStatus.OFFERED
