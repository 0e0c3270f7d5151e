"""Beat writes the statistics releases that are due (see ``stats.services.release_due``)."""

from celery import shared_task

from stats.services import release_due


@shared_task(ignore_result=True)
def release_stats() -> list[str]:
    # Idempotent: a release already written is not written again, and a recount only happens
    # when a withdrawal has changed what it counts.
    return release_due()
