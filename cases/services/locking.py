"""A case's writers lock its report first, the order every writer on a report follows
(``reports.locking``), and then see the report as it stands under that lock."""

from __future__ import annotations

from cases.models import Case
from reports.locking import report_lock


def case_lock(case: Case) -> Case:
    """Lock the case's report until the transaction ends; returns ``case`` with its report read
    again under the lock (consents, data key), so the write never rests on a consent withdrawn
    or a report sealed while it waited."""
    case.report = report_lock(case.report_id)
    case.forget_context()
    return case
