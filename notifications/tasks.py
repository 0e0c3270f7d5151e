from celery import shared_task

# The module, not its functions: services queue these tasks, so the two import each other.
from notifications import services


@shared_task(ignore_result=True)
def relay_outbox() -> int:
    return services.outbox_relay()


@shared_task(ignore_result=True)
def purge_sent_outbox() -> int:
    return services.outbox_purge_sent()
