"""The transactional outbox (``notifications.services``): nothing is lost when the broker is
down, a rolled-back change sends nothing, emails carry no content, what is sent keeps only
its day, and each message is sent once: claimed with a lease before it leaves, never sent
inside a transaction or while its row is locked (issue 10)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.mail.message import EmailMessage
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone, translation

from notifications.models import OutboxMessage
from notifications.services import (
    CLAIM_LEASE,
    MAX_ATTEMPTS,
    outbox_enqueue,
    outbox_purge_sent,
    outbox_relay,
)
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


# --- Each message is sent once (issue 10) -----------------------------------------------------


class WorkerKilled(BaseException):
    """What a relay sees when its worker is stopped mid-send (like ``KeyboardInterrupt``): not an
    ``Exception``, so nothing in the relay catches it."""


def outbox_rows_lockable_from_elsewhere() -> bool:
    """Whether another connection could lock every outbox row at once, without waiting."""
    outcome: list[bool] = []

    def try_lock() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT id FROM notifications_outboxmessage FOR UPDATE NOWAIT")
            outcome.append(True)
        except DatabaseError:  # lock_not_available
            outcome.append(False)
        finally:
            connections.close_all()

    thread = threading.Thread(target=try_lock)
    thread.start()
    thread.join(timeout=30)
    return outcome == [True]


class WatchfulBackend(locmem.EmailBackend):
    """The test mail server: records, for each email, whether it was sent inside a transaction
    and whether the outbox's rows were locked meanwhile; with ``kill_at`` set, the worker dies
    at that email, after the server accepted it (the worst moment: sent, not yet recorded)."""

    inside_transaction: ClassVar[list[bool]] = []
    rows_lockable: ClassVar[list[bool]] = []
    kill_at: ClassVar[int | None] = None

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        WatchfulBackend.inside_transaction.append(connection.in_atomic_block)
        WatchfulBackend.rows_lockable.append(outbox_rows_lockable_from_elsewhere())
        sent = super().send_messages(email_messages)
        if len(mail.outbox) == WatchfulBackend.kill_at:
            raise WorkerKilled
        return sent


@pytest.fixture
def watchful_mail(settings: Any) -> Iterator[type[WatchfulBackend]]:
    settings.EMAIL_BACKEND = f"{__name__}.WatchfulBackend"
    WatchfulBackend.inside_transaction = []
    WatchfulBackend.rows_lockable = []
    WatchfulBackend.kill_at = None
    yield WatchfulBackend
    WatchfulBackend.kill_at = None


def enqueue_alerts(count: int, user_id: int) -> list[str]:
    """``count`` alerts due now, committed; returns their references, one per email."""
    references = [f"R-ONCE{number:04d}" for number in range(1, count + 1)]
    for reference in references:
        with transaction.atomic():
            outbox_enqueue(
                topic="staff_alert",
                payload={"kind": "case_opened", "reference": reference, "user_ids": [user_id]},
            )
    # Queued in this order, delivered in this order.
    for position, reference in enumerate(references):
        OutboxMessage.objects.filter(payload__reference=reference).update(
            deliver_after=timezone.now() - timedelta(minutes=60 - position)
        )
    return references


def leases_run_out() -> None:
    """As if every lease taken had run out (the relay holding it long dead)."""
    OutboxMessage.objects.filter(claimed_until__isnull=False).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )


def sends_per_reference(references: list[str]) -> dict[str, int]:
    return {
        reference: sum(reference in email.body for email in mail.outbox) for reference in references
    }


@pytest.mark.django_db(transaction=True)
def test_no_email_leaves_inside_a_transaction_or_while_its_row_is_locked_issue_10(
    reachable_focal_point: Any, watchful_mail: type[WatchfulBackend]
) -> None:
    # Given three alerts due
    references = enqueue_alerts(3, reachable_focal_point.id)

    # When the relay delivers them
    assert outbox_relay() == 3

    # Then each email left outside any transaction, while every outbox row could be locked by
    # someone else at once (the relay held none)
    assert watchful_mail.inside_transaction == [False, False, False]
    assert watchful_mail.rows_lockable == [True, True, True]
    assert sends_per_reference(references) == dict.fromkeys(references, 1)
    # And the sent messages keep no lease (no exact time) once delivered
    assert not OutboxMessage.objects.filter(sent_on__isnull=True).exists()
    assert not OutboxMessage.objects.filter(claimed_until__isnull=False).exists()
    assert not OutboxMessage.objects.filter(claim_token__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_a_relay_killed_mid_batch_resends_at_most_the_message_in_flight_issue_10(
    reachable_focal_point: Any, watchful_mail: type[WatchfulBackend]
) -> None:
    # Given five alerts due, and a worker that dies as the third email is accepted
    references = enqueue_alerts(5, reachable_focal_point.id)
    watchful_mail.kill_at = 3

    # When the relay runs and is killed mid-batch
    with pytest.raises(WorkerKilled):
        outbox_relay()
    assert len(mail.outbox) == 3
    watchful_mail.kill_at = None

    # Then the next relay sends the two it had not reached, and leaves the one in flight to
    # its lease: the first two were recorded as sent and are not sent again
    assert outbox_relay() == 2
    assert sends_per_reference(references) == dict.fromkeys(references, 1)
    in_flight = OutboxMessage.objects.get(sent_on__isnull=True)
    assert in_flight.payload["reference"] == references[2]
    assert in_flight.claimed_until is not None

    # And once its lease has run out it is claimed again and sent: the only one sent twice
    leases_run_out()
    assert outbox_relay() == 1
    assert sends_per_reference(references) == {
        **dict.fromkeys(references, 1),
        references[2]: 2,
    }
    assert not OutboxMessage.objects.filter(sent_on__isnull=True).exists()
    # The killed attempt counted: a message that kills every relay still gives up.
    assert OutboxMessage.objects.get(pk=in_flight.pk).attempts == 2


@pytest.mark.django_db(transaction=True)
def test_a_message_under_another_relays_lease_is_left_alone_issue_10(
    reachable_focal_point: Any,
) -> None:
    # Given an alert another relay has claimed and is sending now
    references = enqueue_alerts(1, reachable_focal_point.id)
    OutboxMessage.objects.update(
        claimed_until=timezone.now() + CLAIM_LEASE, claim_token=uuid.uuid4()
    )

    # When this relay runs, then it sends nothing and counts no attempt
    assert outbox_relay() == 0
    assert sends_per_reference(references) == {references[0]: 0}
    assert OutboxMessage.objects.get().attempts == 0


@pytest.mark.django_db(transaction=True)
def test_a_message_whose_delivery_kills_every_relay_gives_up_after_the_last_attempt_issue_10(
    reachable_focal_point: Any, watchful_mail: type[WatchfulBackend]
) -> None:
    references = enqueue_alerts(1, reachable_focal_point.id)
    watchful_mail.kill_at = 1
    for _attempt in range(MAX_ATTEMPTS):
        mail.outbox.clear()
        with pytest.raises(WorkerKilled):
            outbox_relay()
        leases_run_out()

    mail.outbox.clear()
    assert outbox_relay() == 0
    assert sends_per_reference(references) == {references[0]: 0}
    assert OutboxMessage.objects.get().attempts == MAX_ATTEMPTS


RELAY_KILLED_AT_THE_THIRD_EMAIL = """
import pathlib, sys, time
import django
django.setup()
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

SENT_LOG = pathlib.Path(sys.argv[1])
IN_FLIGHT = pathlib.Path(sys.argv[2])

class MailServer(BaseEmailBackend):
    # Accepts each email (its body goes to the log), and hangs once the third is accepted, as
    # a relay does when the mail server stalls: the parent then kills this process.
    def send_messages(self, email_messages):
        for email in email_messages:
            with SENT_LOG.open("a") as log:
                log.write(email.body.replace("\\n", " ") + "\\n")
        if len(SENT_LOG.read_text().splitlines()) == 3:
            IN_FLIGHT.write_text("third email accepted")
            time.sleep(600)
        return len(email_messages)

settings.EMAIL_BACKEND = "__main__.MailServer"
from notifications.services import outbox_relay
outbox_relay()
"""


@pytest.mark.django_db(transaction=True)
def test_a_relay_process_killed_with_sigkill_mid_batch_resends_at_most_one_issue_10(
    reachable_focal_point: Any, settings: Any, tmp_path: Any
) -> None:
    # Given five alerts due, and a relay in a process of its own
    references = enqueue_alerts(5, reachable_focal_point.id)
    database = settings.DATABASES["default"]
    sent_log, in_flight = tmp_path / "sent.log", tmp_path / "in-flight"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }
    relay = subprocess.Popen(
        [sys.executable, "-c", RELAY_KILLED_AT_THE_THIRD_EMAIL, str(sent_log), str(in_flight)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # When it is killed outright (SIGKILL: no handler runs, no transaction ends cleanly) while
        # the mail server has accepted the third email
        for _wait in range(600):
            if in_flight.exists() or relay.poll() is not None:
                break
            time.sleep(0.1)
        assert in_flight.exists(), relay.stderr.read().decode()[-2000:] if relay.stderr else ""
    finally:
        relay.kill()
        relay.wait(timeout=30)
    assert relay.returncode == -signal.SIGKILL
    accepted_by_the_killed_relay = sent_log.read_text().splitlines()
    assert len(accepted_by_the_killed_relay) == 3

    # Then a relay run now sends the two the killed one never reached; once the lease of the
    # one in flight has run out, that one too: every alert reached the server, and only the
    # one in flight twice
    assert outbox_relay() == 2
    leases_run_out()
    assert outbox_relay() == 1
    sent_by_reference = {
        reference: sum(reference in line for line in accepted_by_the_killed_relay)
        + sum(reference in email.body for email in mail.outbox)
        for reference in references
    }
    assert sent_by_reference == {**dict.fromkeys(references, 1), references[2]: 2}
    assert not OutboxMessage.objects.filter(sent_on__isnull=True).exists()


@pytest.mark.django_db
def test_a_staff_alert_is_written_in_each_recipients_language_issue_13(
    reachable_focal_point: Any, make_staff: Any
) -> None:
    # Given two focal points of the entity: one reads French, the other chose no language
    reachable_focal_point.language = "fr"
    reachable_focal_point.save(update_fields=["language"])
    colleague = make_staff(username="fp_two")
    colleague.email = "fp2@example.org"
    colleague.save(update_fields=["email"])
    outbox_enqueue(
        topic="staff_alert",
        payload={
            "kind": "case_opened",
            "reference": "R-LANG0001",
            "user_ids": [reachable_focal_point.id, colleague.id],
        },
    )

    # When the relay delivers it while another language happens to be active
    with translation.override("ar"):
        assert outbox_relay() == 1

    # Then each reads it in their own language, still without content
    sent = {tuple(email.to): email for email in mail.outbox}
    assert set(sent) == {("fp@example.org",), ("fp2@example.org",)}
    french, english = sent[("fp@example.org",)], sent[("fp2@example.org",)]
    # French puts a no-break space before its colon.
    assert french.subject == "Upstander\u00a0: R-LANG0001 requiert votre attention"
    assert french.body.startswith("Un nouveau signalement a été reçu (référence R-LANG0001).")
    assert english.subject == "Upstander: R-LANG0001 needs attention"
    assert english.body.startswith("A new report was received (reference R-LANG0001).")
