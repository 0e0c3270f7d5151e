"""Writing to the outbox, and delivering what it holds."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from core.language_choice import staff_language
from notifications import tasks
from notifications.models import OutboxMessage

logger = logging.getLogger("upstander.notifications")

MAX_ATTEMPTS = 10
# Longer than one delivery can take (every exchange with the mail server times out after
# EMAIL_TIMEOUT), so a live relay never loses a message to another while it is being sent.
CLAIM_LEASE = timedelta(minutes=10)


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
    """Deliver pending messages; returns how many were delivered. Safe to run concurrently.

    Each message is claimed with a lease in a short transaction of its own, committed before
    the email leaves; the email is sent outside any transaction, so no row stays locked while
    the mail server answers (or does not); the message is then marked sent in its own
    transaction, if this relay still holds the lease. A relay killed mid-batch (a deploy, the
    out-of-memory killer) leaves the messages it had not reached unclaimed and the one in
    flight claimed until its lease runs out: only that one can be sent twice. Call it outside
    any transaction (a Celery task does), or the claim commits only with the caller.
    """
    delivered = 0
    # Each message is tried once per run: one that fails waits for the next run.
    tried: list[uuid.UUID] = []
    for _each in range(limit):
        claimed = _claim_next(tried)
        if claimed is None:
            break
        message, token = claimed
        tried.append(message.pk)
        try:
            DELIVERIES[message.topic](message.payload)
        except Exception as error:
            _release_failed(message, token, error)
            continue
        if _mark_sent(message, token):
            delivered += 1
    return delivered


def _claim_next(tried: list[uuid.UUID]) -> tuple[OutboxMessage, uuid.UUID] | None:
    """Claim the next due message for this relay, committed at once; ``None`` when none is due.

    Claiming counts the attempt: a message whose delivery kills the relay every time (it never
    gets to say so) still gives up after ``MAX_ATTEMPTS``.
    """
    now = timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(sent_on__isnull=True, attempts__lt=MAX_ATTEMPTS, deliver_after__lte=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
            .exclude(pk__in=tried)
            .order_by("deliver_after")
            .first()
        )
        if message is None:
            return None
        message.claimed_until = now + CLAIM_LEASE
        message.claim_token = token
        message.attempts += 1
        message.save(update_fields=["claimed_until", "claim_token", "attempts"])
    return message, token


def _mark_sent(message: OutboxMessage, token: uuid.UUID) -> bool:
    """Record the delivery if the lease is still this relay's (one UPDATE: its own transaction)."""
    marked = OutboxMessage.objects.filter(pk=message.pk, claim_token=token).update(
        sent_on=timezone.localdate(),
        # Once sent, the moment it was due is of no use and could date a submission.
        deliver_after=message.deliver_after.replace(hour=0, minute=0, second=0, microsecond=0),
        claimed_until=None,
        claim_token=None,
    )
    if not marked:
        # The lease ran out during the delivery and another relay claimed the message.
        logger.warning("outbox: %s #%s sent after its lease ran out", message.topic, message.pk)
    return bool(marked)


def _release_failed(message: OutboxMessage, token: uuid.UUID, error: Exception) -> None:
    """The attempt failed: release the lease so the next relay tries again."""
    OutboxMessage.objects.filter(pk=message.pk, claim_token=token).update(
        last_error=type(error).__name__, claimed_until=None, claim_token=None
    )
    logger.warning("outbox: %s #%s failed (%s)", message.topic, message.pk, type(error).__name__)


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


def _staff_emails(user_ids: list[int]) -> dict[str, list[str]]:
    """The active recipients' addresses, by the language each reads their emails in."""
    by_language: dict[str, list[str]] = {}
    for email, chosen in (
        User.objects.filter(id__in=user_ids, is_active=True)
        .exclude(email="")
        .order_by("id")
        .values_list("email", "language")
    ):
        by_language.setdefault(staff_language(chosen), []).append(email)
    return by_language


def _email_staff(user_ids: list[int], write: Callable[[], tuple[str, str]]) -> None:
    """One email for each language the recipients read, its subject and body from ``write``
    called in that language."""
    for language, recipients in _staff_emails(user_ids).items():
        with translation.override(language):
            subject, body = write()
        send_mail(subject, body, None, recipients, fail_silently=False)


def _deliver_staff_alert(payload: dict[str, Any]) -> None:
    reference = payload["reference"]
    # Lazy: each is put into words in the language of the recipients it is written for.
    texts = {
        "case_opened": gettext_lazy(
            "A new report was received (reference %(reference)s). Please sign in to Upstander to acknowledge it."
        ),
        "reporter_message": gettext_lazy(
            "The reporter of %(reference)s sent a new message. Please sign in to Upstander to read it."
        ),
        "consent_changed": gettext_lazy(
            "The reporter of %(reference)s changed a consent. Please sign in to Upstander to see what this means for the case."
        ),
        "case_reassigned": gettext_lazy(
            "The case %(reference)s was reassigned to a colleague. Please sign in to Upstander if you need to hand anything over."
        ),
        "retaliation_reported": gettext_lazy(
            "A report of retaliation was received (reference %(reference)s): someone who reported harassment says something happened to them since. Please sign in to Upstander to acknowledge it; its deadline is counted in working days."
        ),
        "route_changed": gettext_lazy(
            "The reporter of %(reference)s changed the route they want. Please sign in to Upstander."
        ),
        "advocate_brought_in": gettext_lazy(
            "The reporter of %(reference)s asked the victims' rights advocate to follow their case. Please sign in to Upstander."
        ),
        "rights_concern": gettext_lazy(
            "The victims' rights advocate raised a concern about how %(reference)s is handled. Please sign in to Upstander to see it."
        ),
        "conflict_declared": gettext_lazy(
            "A colleague declared a conflict of interest with %(reference)s and can no longer handle it. Please sign in to Upstander to reassign it."
        ),
        "handler_change_requested": gettext_lazy(
            "The reporter of %(reference)s asked for a different person to handle their case. Please sign in to Upstander to reassign it."
        ),
        "manager_decided": gettext_lazy(
            "The reporter of %(reference)s answered the proposal of a manager to intervene. Please sign in to Upstander."
        ),
    }
    _email_staff(
        payload["user_ids"],
        lambda: (
            _("Upstander: %(reference)s needs attention") % {"reference": reference},
            texts[payload["kind"]] % {"reference": reference},
        ),
    )


DELIVERIES: dict[str, Callable[[dict[str, Any]], None]] = {
    "staff_alert": _deliver_staff_alert,
}
