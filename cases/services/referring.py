"""Referring a case to a service of the directory, from the staff pages and the API."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import User
from cases.models import Case
from cases.readers import reader_wraps_sync_as
from referrals.models import Referral
from referrals.services import referral_make


@transaction.atomic
def case_refer(*, case: Case, actor: User, service: Any, note: str = "") -> Referral:
    """``referrals.services.referral_make``, then the key for whoever the referral brings in to
    read (an ombudsperson, while the reporter consents), from the actor who holds it."""
    referral = referral_make(case=case, actor=actor, service=service, note=note)
    reader_wraps_sync_as(case, actor)
    return referral
