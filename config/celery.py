"""The Celery application. Tasks are thin wrappers around services (see each app's tasks.py)."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("upstander")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_wrong_keys(**kwargs: object) -> None:
    # A worker with the wrong key-encryption key would fail every task that touches a report.
    # Imported here: this module loads with the ``config`` package, before Django is set up,
    # and the check reads models.
    from config.startup import refuse_to_start_with_wrong_keys  # noqa: PLC0415

    refuse_to_start_with_wrong_keys()
