"""The transactional outbox: side effects recorded in the same transaction as the change.

A service that must notify someone writes an ``OutboxMessage`` inside its transaction. After
commit, a Celery task delivers it; if the broker is down the row simply waits, and the
periodic relay picks it up when the broker is back. Payloads hold identifiers only, never
report content, identities or receipts.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    # Random ids, not a sequence: a sequence would order a submission's alert among rows
    # whose times are known, and so date the submission.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    # Days, not times: a notification is often written at the moment a report is submitted.
    created_on = models.DateField(default=timezone.localdate)
    sent_on = models.DateField(null=True, blank=True)
    # Not delivered before this moment. Alerts about a new report wait a random while, so that
    # the time an email arrives does not tell when the report was made.
    deliver_after = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    # The exception type of the last failed attempt (never its message, which may quote data).
    last_error = models.CharField(max_length=120, blank=True)
    # The lease of the relay delivering it now (``services.outbox_relay``): claimed and committed
    # before the email leaves, so no lock is held while the mail server is talked to. A relay
    # killed mid-send leaves its lease to run out; then another may claim the message again.
    # Both are cleared once the attempt ends, so no exact time stays on a sent message.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["deliver_after"],
                condition=models.Q(sent_on__isnull=True),
                name="outbox_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.pk}"
