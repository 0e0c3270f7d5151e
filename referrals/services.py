"""Referring a case to a service of the entity's directory, with the consent it needs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import policy
from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from core.errors import ConsentRequiredError, ForbiddenError, InvalidInputError, ShreddedError
from referrals.models import Referral, ServiceEntry, ServiceKind
from reports.conflicts import refuse_if_conflicted
from reports.locking import report_lock
from reports.reading import REPORT_UNREADABLE, reader_key
from reports.vocabulary import ConsentAction, consent_label
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


def _missing_consents(kind: str, consents: dict[str, bool]) -> list[str]:
    # Case review underlies every referral, as it does every step of the case.
    needed = (ConsentAction.CASE_REVIEW, *REFERRAL_CONSENTS[kind])
    return [action for action in needed if not consents.get(action, False)]


class ReferralInputError(InvalidInputError):
    """The service asked for is not one the entity's directory offers."""

    def __init__(self, message: str) -> None:
        super().__init__({"service": [message]})


class ReferralConsentError(ConsentRequiredError):
    def consent_labels(self) -> list[str]:
        return [consent_label(action) for action in self.missing]


class ReferralReportUnreadableError(ReferralConsentError):
    """The report is sealed: only the reporter's case review consent reopens it."""

    default_message = gettext_lazy("The reporter has withdrawn case review: the report is sealed.")

    def __init__(self) -> None:
        super().__init__([ConsentAction.CASE_REVIEW])

    def page_message(self) -> str:
        return self.message


class ReferralForbiddenError(ForbiddenError):
    pass


class ReferredCase(policy.CaseFacts, Protocol):
    """The case being referred: ``cases.models.Case``, which this app sits below."""

    @property
    def pk(self) -> uuid.UUID: ...

    @property
    def report_id(self) -> uuid.UUID: ...


def _requested_kind(case: ReferredCase, service: Any) -> tuple[str, ServiceEntry | None]:
    """The service kind asked for, and the directory entry when a specific one was named."""
    if isinstance(service, dict) and "service_id" in service:
        try:
            service_id = int(service["service_id"])
        except (TypeError, ValueError):
            raise ReferralInputError(_("service_id must be a number from the directory.")) from None
        entry = ServiceEntry.objects.filter(
            pk=service_id, entity_id=case.handler_entity_id, active=True
        ).first()
        if entry is None:
            raise ReferralInputError(_("No such service in this entity's directory."))
        return entry.kind, entry
    if isinstance(service, str) and service in ServiceKind.values:
        return service, None
    raise ReferralInputError(
        _('Give a service kind (%(kinds)s) or {"service_id": ...}.')
        % {"kinds": ", ".join(ServiceKind.values)}
    )


@transaction.atomic
def referral_make(*, case: ReferredCase, actor: User, service: Any, note: str = "") -> Referral:
    """Refer the case to a service of its entity's directory: ``service`` is a kind's code, or
    ``{"service_id": ...}`` for one entry (the request's JSON, checked here)."""
    if not policy.may_refer(actor, case):
        raise ReferralForbiddenError
    kind, entry = _requested_kind(case, service)
    # Lock the report so a consent withdrawn at this moment cannot be overtaken, and read it
    # as it stands under that lock (consents, the organisation's wrapping).
    report = report_lock(case.report_id)
    if report.is_shredded:
        raise ShreddedError
    consents = report.current_consents()
    # Consent first: without it, nothing about the directory matters.
    missing = _missing_consents(kind, consents)
    if missing:
        raise ReferralConsentError(missing)
    if entry is None:
        entry = ServiceEntry.objects.filter(
            kind=kind, entity_id=case.handler_entity_id, active=True
        ).first()
        if entry is None:
            raise ReferralInputError(_("This entity's directory has no service of that kind yet."))
    if entry.staff_user is not None:
        # The person the entry names would read the case: never one in conflict with it.
        refuse_if_conflicted(entry.staff_user, case.report_id)
    try:
        key = reader_key(report, actor)
    except REPORT_UNREADABLE:
        raise ReferralReportUnreadableError from None
    # By id: the case model sits above this app, which knows the case by its protocol only.
    referral = Referral(case_id=case.pk, service=entry, kind=entry.kind, referred_by=actor)
    envelope.seal(referral, "note", note or None, key)
    referral.save()
    audit_record(
        stream=case.report_id,
        action=AuditAction.REFERRAL_MADE,
        actor=actor,
        detail={"service": entry.kind, "service_id": entry.pk},
    )
    return referral


@dataclass(frozen=True)
class ReferralChoice:
    """A service of the case's entity's directory, with the consents a referral to it lacks."""

    service_id: int
    name: str
    kind: str
    kind_label: str
    missing: list[str]


def referral_choices(case: ReferredCase, consents: dict[str, bool]) -> list[ReferralChoice]:
    """The directory's active services for ``case``, each with the reporter's consents
    (``consents``, as they stand) a referral to it still needs: the rule ``referral_make``
    enforces, shown before anyone tries."""
    return [
        ReferralChoice(
            service_id=entry.pk,
            name=entry.name,
            kind=entry.kind,
            kind_label=str(ServiceKind(entry.kind).label),
            missing=_missing_consents(entry.kind, consents),
        )
        for entry in ServiceEntry.objects.filter(
            entity_id=case.handler_entity_id, active=True
        ).order_by("kind", "name")
    ]
