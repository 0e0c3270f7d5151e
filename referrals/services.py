"""Referring a case to a service of the entity's directory, with the consent it needs."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from referrals.models import Referral, ServiceEntry, ServiceKind
from reports.vocabulary import ConsentAction
from vault import envelope

# The reporter's consent each kind of referral needs.
REFERRAL_CONSENTS: dict[str, tuple[str, ...]] = {
    ServiceKind.OMBUDSPERSON: (ConsentAction.OMBUDSPERSON_REFERRAL,),
    ServiceKind.MEDIATION: (ConsentAction.MEDIATION, ConsentAction.CONTACT_ALLEGED_PERPETRATOR),
    ServiceKind.INVESTIGATION_OFFICE: (ConsentAction.FORMAL_INVESTIGATION,),
    ServiceKind.STAFF_COUNSELLOR: (ConsentAction.SUPPORT_REFERRAL,),
    ServiceKind.MEDICAL: (ConsentAction.SUPPORT_REFERRAL,),
    ServiceKind.LEGAL_AID: (ConsentAction.SUPPORT_REFERRAL,),
    ServiceKind.SECURITY: (ConsentAction.SUPPORT_REFERRAL,),
    ServiceKind.EXTERNAL: (ConsentAction.SUPPORT_REFERRAL,),
}


class ReferralInputError(ValueError):
    pass


class ReferralConsentError(Exception):
    def __init__(self, missing: list[str]) -> None:
        super().__init__("consent required")
        self.missing = missing


def _service_entry(case: Any, service: Any) -> ServiceEntry:
    if isinstance(service, dict) and "service_id" in service:
        entry = ServiceEntry.objects.filter(
            pk=service["service_id"], entity_id=case.entity_id, active=True
        ).first()
        if entry is None:
            raise ReferralInputError(_("No such service in this entity's directory."))
        return entry
    if isinstance(service, str) and service in ServiceKind.values:
        entry = ServiceEntry.objects.filter(
            kind=service, entity_id=case.entity_id, active=True
        ).first()
        if entry is None:
            raise ReferralInputError(_("This entity's directory has no service of that kind yet."))
        return entry
    raise ReferralInputError(
        _('Give a service kind (%(kinds)s) or {"service_id": ...}.')
        % {"kinds": ", ".join(ServiceKind.values)}
    )


@transaction.atomic
def referral_make(*, case: Any, actor: User, service: Any, note: str = "") -> Referral:
    entry = _service_entry(case, service)
    case.forget_context()
    consents = case.report.current_consents()
    missing = [
        action for action in REFERRAL_CONSENTS[entry.kind] if not consents.get(action, False)
    ]
    if missing:
        raise ReferralConsentError(missing)
    key = envelope.open_with_organisation_key(case.report.data_key)
    referral = Referral(case=case, service=entry, kind=entry.kind, referred_by=actor)
    envelope.seal(referral, "note", note or None, key)
    referral.save()
    audit_record(
        stream=case.report_id,
        action="referral.made",
        actor=actor,
        detail={"service": entry.kind, "service_id": entry.pk},
    )
    return referral
