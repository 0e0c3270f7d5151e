"""Periodic work of the reporter's doors: purging expired sessions and spent intake forms, and
the check-ins after a case is closed (issue 12)."""

from celery import shared_task

from portal.retaliation import check_ins_schedule
from portal.services import intake_forms_purge, reporter_sessions_purge


@shared_task(ignore_result=True)
def purge_reporter_sessions() -> int:
    """Expired sessions go: their expiry times would show when a reporter was last active."""
    return reporter_sessions_purge()


@shared_task(ignore_result=True)
def purge_spent_intake_forms() -> int:
    return intake_forms_purge()


@shared_task(ignore_result=True)
def schedule_check_ins() -> int:
    """The check-ins that came due; running it twice creates nothing twice."""
    return check_ins_schedule()
