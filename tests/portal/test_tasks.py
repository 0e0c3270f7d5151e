"""The periodic purges of the reporter's doors (``portal.tasks``), scheduled by Celery beat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from portal.tasks import purge_reporter_sessions
from reports.models import ReporterSession
from tests.helpers.reporter import submit


def test_expired_reporter_sessions_are_purged_by_the_periodic_task(entity: Any) -> None:
    """Regression (privacy review, fixed in b781d81): nothing ran the purge of expired reporter
    sessions; Celery beat schedules it."""
    body = submit()

    APIClient().post("/api/v1/reporter/session", {"receipt": body["receipt"]}, format="json")
    APIClient().post("/api/v1/reporter/session", {"receipt": body["receipt"]}, format="json")
    first = ReporterSession.objects.order_by("expires_at").first()
    assert first is not None
    ReporterSession.objects.filter(pk=first.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert purge_reporter_sessions() == 1
    assert ReporterSession.objects.count() == 1
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portal.tasks.purge_reporter_sessions" in scheduled
