"""Writing to the outbox, and delivering what it holds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from notifications.models import OutboxMessage

logger = logging.getLogger("upstander.notifications")

MAX_ATTEMPTS = 10


def outbox_enqueue(*, topic: str, payload: dict[str, Any]) -> OutboxMessage:
    """Record a side effect inside the caller's transaction; it is delivered after commit."""
    if topic not in DELIVERIES:
        raise ValueError(f"no delivery for outbox topic {topic!r}")
    message = OutboxMessage.objects.create(topic=topic, payload=payload)
    transaction.on_commit(_kick_relay)
    return message


def _kick_relay() -> None:
    from notifications.tasks import relay_outbox

    try:
        relay_outbox.delay()
    except BrokerError as error:
        # The row is safe in the database; the periodic relay will deliver it later.
        logger.warning("outbox: broker unavailable (%s); delivery deferred", type(error).__name__)


def outbox_relay(*, limit: int = 100) -> int:
    """Deliver pending messages; returns how many were delivered. Safe to run concurrently."""
    delivered = 0
    with transaction.atomic():
        pending = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(sent_on__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .order_by("id")[:limit]
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
            message.save(update_fields=["attempts", "sent_on"])
            delivered += 1
    return delivered


# --- Deliveries: emails to staff say that something happened, never what was written --------


def _staff_emails(user_ids: list[int]) -> list[str]:
    from accounts.models import User

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
