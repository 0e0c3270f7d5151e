"""Data keys and their wrappings. See ``vault.crypto`` for the scheme and threat model."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class DataKey(models.Model):
    """One per report. Its key material exists only inside ``KeyWrap`` rows, encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The day only: a data key is made when a report is submitted, and that time is not kept.
    created_on = models.DateField(auto_now_add=True)
    # Set when every wrapping was destroyed on purpose: the data is gone for good.
    shredded_at = models.DateTimeField(null=True, blank=True)
    # The reporter lets the organisation read it (case review): wrapped to whoever the rules
    # name, even while that is nobody yet. False: sealed, the receipt alone opens it.
    shared = models.BooleanField(default=False)
    # The public half of the report's drop key (``vault.crypto.drop_public_key``): lets someone
    # who may write to the report but not read it (an advocate) seal a message for its readers.
    drop_public_key = models.BinaryField(default=b"", blank=True)

    def __str__(self) -> str:
        return f"data key {self.id}"


class RecipientKey(models.Model):
    """An X25519 public key that report data keys are wrapped to (issue 14).

    A staff member's reading key: its private half is stored only encrypted, under a key
    Argon2id derives from their password and under their personal recovery key (shown once
    at enrolment). Or an entity's recovery key: its private half is never stored at all; two
    officers keep it offline (``manage.py recover_access``).
    """

    class Kind(models.TextChoices):
        STAFF = "staff", "staff member's reading key"
        ENTITY_RECOVERY = "entity_recovery", "entity's recovery key"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reading_key",
    )
    entity = models.OneToOneField(
        "accounts.Entity",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="recovery_key",
    )
    public_key = models.BinaryField()
    # Empty after an administrator's reset: the old password is gone, only recovery opens it.
    password_salt = models.BinaryField(default=b"", blank=True)
    private_key_under_password = models.BinaryField(default=b"", blank=True)
    private_key_under_recovery = models.BinaryField(default=b"", blank=True)
    created_on = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="staff", user__isnull=False, entity__isnull=True)
                    | models.Q(kind="entity_recovery", user__isnull=True, entity__isnull=False)
                ),
                name="recipient_key_belongs_to_a_user_or_an_entity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} key {self.id}"


class KeyWrap(models.Model):
    """The data key encrypted under one key: the receipt's, a recipient's public key, or (before
    issue 14's migration) the server's key-encryption key."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", "organisation key (server KEK), before issue 14"
        RECEIPT = "receipt", "reporter's receipt"
        RECIPIENT = "recipient", "a reader's or an entity's recovery public key"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    data_key = models.ForeignKey(DataKey, on_delete=models.CASCADE, related_name="wraps")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Whose public key, for recipient wrappings; deleting the key deletes what was wrapped to it.
    recipient = models.ForeignKey(
        RecipientKey, on_delete=models.CASCADE, null=True, blank=True, related_name="wraps"
    )
    # The KEK version for organisation wrappings; empty for receipt wrappings.
    kek_version = models.CharField(max_length=40, blank=True, db_index=True)
    # The Argon2id salt for receipt wrappings; empty for organisation wrappings.
    salt = models.BinaryField(default=b"", blank=True)
    wrapped_key = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["data_key", "kind"],
                condition=models.Q(recipient__isnull=True),
                name="one_wrap_per_kind",
            ),
            models.UniqueConstraint(
                fields=["data_key", "recipient"],
                condition=models.Q(recipient__isnull=False),
                name="one_wrap_per_recipient",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="recipient", recipient__isnull=False)
                | (~models.Q(kind="recipient") & models.Q(recipient__isnull=True)),
                name="recipient_wraps_name_their_recipient",
            ),
        ]
        indexes = [
            # Key rotation walks the organisation wrappings in id order, a batch at a time:
            # without this it reads past every reader's and receipt's wrapping too (issue 15).
            models.Index(
                fields=["id"],
                condition=models.Q(kind="organisation"),
                name="keywrap_organisation_ids",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} wrap of {self.data_key_id}"


class KeyFingerprint(models.Model):
    """A keyed fingerprint of each KEK version that has wrapped data here.

    Lets the server tell at start-up that it was given the wrong key for a version, instead
    of failing later on the first decryption.
    """

    kek_version = models.CharField(max_length=40, unique=True)
    fingerprint = models.CharField(max_length=64)
    first_used_on = models.DateField(auto_now_add=True)

    def __str__(self) -> str:
        return f"KEK {self.kek_version}"
