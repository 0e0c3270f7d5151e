"""Periodic purges of what the reporter's doors leave behind: expired sessions, spent intake forms."""

from celery import shared_task

from portal.services import intake_forms_purge, reporter_sessions_purge


@shared_task(ignore_result=True)
def purge_reporter_sessions() -> int:
    """Expired sessions go: their expiry times would show when a reporter was last active."""
    return reporter_sessions_purge()


@shared_task(ignore_result=True)
def purge_spent_intake_forms() -> int:
    return intake_forms_purge()
