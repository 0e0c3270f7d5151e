"""Data keys and their wrappings. See ``vault.crypto`` for the scheme and threat model."""

from __future__ import annotations

import uuid

from django.db import models


class DataKey(models.Model):
    """One per report. Its key material exists only inside ``KeyWrap`` rows, encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The day only: a data key is made when a report is submitted, and that time is not kept.
    created_on = models.DateField(auto_now_add=True)
    # Set when every wrapping was destroyed on purpose: the data is gone for good.
    shredded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"data key {self.id}"


class KeyWrap(models.Model):
    """The data key encrypted under one key-encryption key."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", "organisation key (server KEK)"
        RECEIPT = "receipt", "reporter's receipt"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    data_key = models.ForeignKey(DataKey, on_delete=models.CASCADE, related_name="wraps")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The KEK version for organisation wrappings; empty for receipt wrappings.
    kek_version = models.CharField(max_length=40, blank=True, db_index=True)
    # The Argon2id salt for receipt wrappings; empty for organisation wrappings.
    salt = models.BinaryField(default=b"", blank=True)
    wrapped_key = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["data_key", "kind"], name="one_wrap_per_kind"),
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
