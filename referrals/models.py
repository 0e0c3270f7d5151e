"""The service directory of each entity, and referrals of cases to those services."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vault.fields import EncryptedField


class ServiceKind(models.TextChoices):
    OMBUDSPERSON = "ombudsperson", _("Ombudsperson")
    MEDIATION = "mediation", _("Mediation")
    STAFF_COUNSELLOR = "staff_counsellor", _("Staff counsellor")
    MEDICAL = "medical", _("Medical")
    LEGAL_AID = "legal_aid", _("Legal aid")
    SECURITY = "security", _("Security")
    INVESTIGATION_OFFICE = "investigation_office", _("Investigation office")
    EXTERNAL = "external", _("External service")


class ServiceEntry(models.Model):
    """One service an entity refers people to; ``staff_user`` when it is a person in Upstander."""

    entity = models.ForeignKey("accounts.Entity", on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(max_length=24, choices=ServiceKind.choices, db_index=True)
    name = models.CharField(max_length=200)
    contact = models.CharField(max_length=300, blank=True)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["entity", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class Referral(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="referrals")
    service = models.ForeignKey(ServiceEntry, on_delete=models.PROTECT, related_name="referrals")
    # Copied so visibility and statistics need no join.
    kind = models.CharField(max_length=24, choices=ServiceKind.choices, db_index=True)
    note = EncryptedField()
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"referral to {self.kind}"
