from celery import shared_task

from notifications.services import outbox_purge_sent, outbox_relay


@shared_task(ignore_result=True)
def relay_outbox() -> int:
    return outbox_relay()


@shared_task(ignore_result=True)
def purge_sent_outbox() -> int:
    return outbox_purge_sent()
