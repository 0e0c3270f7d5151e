"""Writing to the outbox, and delivering what it holds."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from notifications import tasks
from notifications.models import OutboxMessage

logger = logging.getLogger("upstander.notifications")

MAX_ATTEMPTS = 10


# How long an alert about a newly submitted report may wait, chosen at random each time.
NEW_REPORT_DELAY = (timedelta(minutes=10), timedelta(minutes=90))
# Delivered messages are kept this long for troubleshooting, then deleted.
SENT_RETENTION = timedelta(days=7)


def outbox_enqueue(
    *, topic: str, payload: dict[str, Any], obscure_time: bool = False
) -> OutboxMessage:
    """Record a side effect inside the caller's transaction; it is delivered after commit.

    With ``obscure_time`` the message waits a random while for the periodic relay instead of
    leaving at once: used when its sending time would date a report's submission.
    """
    if topic not in DELIVERIES:
        raise ValueError(f"no delivery for outbox topic {topic!r}")
    deliver_after = timezone.now()
    # The embedded demo runs no beat to deliver later: there the alert leaves at once.
    if obscure_time and not settings.CELERY_TASK_ALWAYS_EAGER:
        low, high = NEW_REPORT_DELAY
        deliver_after += low + timedelta(
            seconds=secrets.randbelow(int((high - low).total_seconds()))
        )
    message = OutboxMessage.objects.create(
        topic=topic, payload=payload, deliver_after=deliver_after
    )
    if deliver_after <= timezone.now():
        transaction.on_commit(_kick_relay)
    return message


def _kick_relay() -> None:
    try:
        tasks.relay_outbox.delay()
    except BrokerError as error:
        # The row is safe in the database; the periodic relay will deliver it later.
        logger.warning("outbox: broker unavailable (%s); delivery deferred", type(error).__name__)


def outbox_relay(*, limit: int = 100) -> int:
    """Deliver pending messages; returns how many were delivered. Safe to run concurrently."""
    delivered = 0
    with transaction.atomic():
        pending = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(
                sent_on__isnull=True, attempts__lt=MAX_ATTEMPTS, deliver_after__lte=timezone.now()
            )
            .order_by("deliver_after")[:limit]
        )
        for message in pending:
            try:
                DELIVERIES[message.topic](message.payload)
            except Exception as error:
                message.attempts += 1
                message.last_error = type(error).__name__
                message.save(update_fields=["attempts", "last_error"])
                logger.warning(
                    "outbox: %s #%s failed (%s)", message.topic, message.pk, type(error).__name__
                )
                continue
            message.attempts += 1
            message.sent_on = timezone.localdate()
            # Once sent, the moment it was due is of no use and could date a submission.
            message.deliver_after = message.deliver_after.replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            message.save(update_fields=["attempts", "sent_on", "deliver_after"])
            delivered += 1
    return delivered


def outbox_purge_sent() -> int:
    """Delete delivered messages past their retention: they name report references."""
    cutoff = timezone.localdate() - SENT_RETENTION
    # Given up on after MAX_ATTEMPTS, a message goes too: it would otherwise stay for ever.
    deleted, _by_model = OutboxMessage.objects.filter(
        Q(sent_on__lt=cutoff)
        | Q(sent_on__isnull=True, attempts__gte=MAX_ATTEMPTS, created_on__lt=cutoff)
    ).delete()
    return deleted


# --- Deliveries: emails to staff say that something happened, never what was written --------


def _staff_emails(user_ids: list[int]) -> list[str]:
    return [
        email
        for email in User.objects.filter(id__in=user_ids, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    ]


def _email_staff(user_ids: list[int], subject: str, body: str) -> None:
    recipients = _staff_emails(user_ids)
    if recipients:
        send_mail(subject, body, None, recipients, fail_silently=False)


def _deliver_staff_alert(payload: dict[str, Any]) -> None:
    reference = payload["reference"]
    texts = {
        "case_opened": _(
            "A new report was received (reference %(reference)s). Please sign in to Upstander to acknowledge it."
        ),
        "reporter_message": _(
            "The reporter of %(reference)s sent a new message. Please sign in to Upstander to read it."
        ),
        "consent_changed": _(
            "The reporter of %(reference)s changed a consent. Please sign in to Upstander to see what this means for the case."
        ),
        "case_reassigned": _(
            "The case %(reference)s was reassigned to a colleague. Please sign in to Upstander if you need to hand anything over."
        ),
        "route_changed": _(
            "The reporter of %(reference)s changed the route they want. Please sign in to Upstander."
        ),
    }
    body = texts[payload["kind"]] % {"reference": reference}
    _email_staff(
        payload["user_ids"],
        _("Upstander: %(reference)s needs attention") % {"reference": reference},
        body,
    )


DELIVERIES: dict[str, Callable[[dict[str, Any]], None]] = {
    "staff_alert": _deliver_staff_alert,
}
