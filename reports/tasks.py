from celery import shared_task

from reports.services import reporter_sessions_purge


@shared_task(ignore_result=True)
def purge_reporter_sessions() -> int:
    """Expired sessions go: their expiry times would show when a reporter was last active."""
    return reporter_sessions_purge()
