"""A case's writers lock its report first, the order every writer on a report follows
(``reports.locking``), and then see the report as it stands under that lock."""

from __future__ import annotations

from cases.models import Case
from reports.locking import report_lock


def case_lock(case: Case, *, reread_case: bool = False) -> Case:
    """Lock the case's report until the transaction ends; returns ``case`` with its report read
    again under the lock (consents, data key), so the write never rests on a consent withdrawn
    or a report sealed while it waited.

    ``reread_case`` reads the case's own row again too, for a writer that saves it: the case's
    state is compared on save (``ConcurrentTransitionMixin``), and a transition that committed
    while this writer waited would otherwise fail the save of an unrelated field (labels, the
    assignee). A transition itself does not: its optimistic check against the state it loaded
    is the point (``cases.services.transitions``).
    """
    report = report_lock(case.report_id)
    if reread_case:
        case.refresh_from_db()
    case.report = report
    case.forget_context()
    return case
