"""Issue 12's reporter side as the tests play it: a signed-in reporter's access to their report,
a report of retaliation filed from it, a case closed some months ago."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from cases.models import Case
from portal.retaliation import RetaliationAccount, retaliation_report_submit
from portal.services import ReporterAccess, SubmittedReport, reporter_session_resolve
from portal.services import reporter_session_start as _session_start
from tests.helpers.reporter import receipt_of

RETALIATION_NARRATIVE = "Since I reported, my supervisor moved me off every project."


def access_for(case_or_report: Any) -> ReporterAccess:
    """The reporter of a report filed by ``submit_report``, signed in with its receipt."""
    token, _session = _session_start(receipt=receipt_of(case_or_report))
    access = reporter_session_resolve(token)
    assert access is not None
    return access


def file_retaliation(case_or_report: Any, **account: Any) -> SubmittedReport:
    """The reporter of ``case_or_report`` reports retaliation; case review granted by default."""
    fields: dict[str, Any] = {
        "narrative": RETALIATION_NARRATIVE,
        "consents": {"case_review": True},
        **account,
    }
    return retaliation_report_submit(
        access=access_for(case_or_report), account=RetaliationAccount(**fields)
    )


def closed_months_ago(case: Case, months: int, *, days: int = 0) -> Case:
    """Moves a closed case's closing day back, as if it had been closed that long ago."""
    closed_at = timezone.now() - relativedelta(months=months) - timedelta(days=days)
    Case.objects.filter(pk=case.pk).update(closed_at=closed_at)
    return Case.objects.select_related("report").get(pk=case.pk)
