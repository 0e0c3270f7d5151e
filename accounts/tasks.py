"""Periodic work of the staff accounts: expired sign-ins go, with the sealed reading keys they
held (issue 14)."""

from celery import shared_task

from accounts.services import staff_sessions_purge


@shared_task(ignore_result=True)
def purge_staff_sessions() -> int:
    return staff_sessions_purge()
