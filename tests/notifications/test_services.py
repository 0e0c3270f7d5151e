"""The transactional outbox (``notifications.services``): nothing is lost when the broker is
down, a rolled-back change sends nothing, emails carry no content, and what is sent keeps only
its day."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.services import MAX_ATTEMPTS, outbox_enqueue, outbox_purge_sent, outbox_relay
from tests.helpers.reporter import submit


@pytest.fixture
def reachable_focal_point(focal_point: Any) -> Any:
    """The focal point, with an email address the alerts go to."""
    focal_point.email = "fp@example.org"
    focal_point.save()
    return focal_point


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


ENQUEUE_WHILE_BROKER_DOWN = """
import django
django.setup()
from django.db import transaction
from notifications.services import outbox_enqueue
with transaction.atomic():
    outbox_enqueue(topic="staff_alert", payload={"kind": "reporter_message", "reference": "R-TEST0001", "user_ids": [%d]})
print("committed")
"""


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_loses_no_notification(reachable_focal_point: Any, settings: Any) -> None:
    database = settings.DATABASES["default"]
    # Given a process whose broker is down for real (nothing listens on its port)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0",
    }
    # When a change commits there
    result = subprocess.run(
        [sys.executable, "-c", ENQUEUE_WHILE_BROKER_DOWN % reachable_focal_point.id],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Then the change went through, and the notification waits in the database
    assert result.returncode == 0, result.stderr[-2000:]
    assert "committed" in result.stdout
    assert "broker unavailable" in result.stderr
    message = OutboxMessage.objects.get()
    assert message.sent_on is None
    # And the periodic relay delivers it once it runs
    assert outbox_relay() == 1
    message.refresh_from_db()
    assert message.sent_on is not None
    assert len(mail.outbox) == 1
    assert "R-TEST0001" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_sends_nothing(focal_point: Any) -> None:

    def change_that_fails_after_notifying() -> None:
        with transaction.atomic():
            outbox_enqueue(
                topic="staff_alert",
                payload={
                    "kind": "case_opened",
                    "reference": "R-TEST0002",
                    "user_ids": [focal_point.id],
                },
            )
            raise RuntimeError("the change fails after the notification was written")

    with pytest.raises(RuntimeError):
        change_that_fails_after_notifying()
    assert not OutboxMessage.objects.exists()
    assert outbox_relay() == 0


@pytest.mark.django_db
def test_a_failing_delivery_is_retried_and_counted(
    reachable_focal_point: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    settings.EMAIL_TIMEOUT = 2
    outbox_enqueue(
        topic="staff_alert",
        payload={"kind": "case_opened", "reference": "R-3", "user_ids": [reachable_focal_point.id]},
    )
    assert outbox_relay() == 0
    message = OutboxMessage.objects.get()
    assert message.sent_on is None
    assert message.attempts == 1
    assert message.last_error  # the exception type only


@pytest.mark.django_db
def test_new_report_emails_carry_no_content(client: Any, reachable_focal_point: Any) -> None:
    narrative = "CANARY-EMAIL-NARRATIVE he cornered me"
    response = client.post(
        "/api/v1/reports",
        {
            "entity": "UNW",
            "category": "physical",
            "route": "formal",
            "narrative": narrative,
            "reporter_role": "affected_person",
            "identity_disclosure": "confidential",
            "identity": {"name": "CANARY-EMAIL-NAME"},
            "consents": {"case_review": True},
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    OutboxMessage.objects.update(deliver_after="2000-01-01T00:00:00Z")
    assert outbox_relay() == 1
    sent = mail.outbox[0]
    for secret in (narrative, "CANARY-EMAIL-NAME", response.json()["receipt"]):
        assert secret not in sent.body
        assert secret not in sent.subject


@pytest.mark.django_db
def test_given_up_messages_are_purged_after_the_retention(focal_point: Any) -> None:
    """Regression (second case-workflow review, fixed in cf4798b): notifications that gave up after
    their last attempt are purged after the retention like sent ones, not kept for ever."""
    message = outbox_enqueue(
        topic="staff_alert",
        payload={"kind": "case_opened", "reference": "R-4", "user_ids": [focal_point.id]},
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=MAX_ATTEMPTS, created_on=timezone.localdate() - timedelta(days=30)
    )
    assert outbox_purge_sent() == 1
    assert not OutboxMessage.objects.exists()


def test_a_sent_notification_keeps_only_its_day(entity: Any, focal_point: Any) -> None:
    """Regression (privacy review, fixed in 20ed5b3): a sent alert kept the minute it was due, which
    could date the submission."""
    submit()
    OutboxMessage.objects.update(deliver_after="2000-01-01T10:17:00Z")
    assert outbox_relay() == 1
    sent = OutboxMessage.objects.get()
    assert (sent.deliver_after.hour, sent.deliver_after.minute) == (0, 0)
