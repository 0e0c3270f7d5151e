"""The demo entities' service directories (ombudsperson, mediation, counselling, ...)."""

from __future__ import annotations

from accounts.models import Entity, User
from referrals.models import ServiceEntry, ServiceKind

DEMO_SERVICES = {
    ServiceKind.OMBUDSPERSON: "Office of the Ombudsperson",
    ServiceKind.MEDIATION: "Mediation Service",
    ServiceKind.STAFF_COUNSELLOR: "Staff Counsellor",
    ServiceKind.MEDICAL: "Medical Service",
    ServiceKind.LEGAL_AID: "Legal aid (staff union)",
    ServiceKind.SECURITY: "Security focal point",
    ServiceKind.INVESTIGATION_OFFICE: "Office of Internal Oversight",
    ServiceKind.EXTERNAL: "Local women's support centre",
}


def demo_directory_create(*, entities: list[Entity]) -> None:
    """A service directory for the demo entities, the ombudsperson linked to the demo account."""
    ombudsperson = User.objects.filter(username="demo_ombudsperson").first()
    for entity in entities:
        for kind, name in DEMO_SERVICES.items():
            staff_user = (
                ombudsperson
                if kind == ServiceKind.OMBUDSPERSON
                and ombudsperson
                and ombudsperson.entity_id == entity.id
                else None
            )
            ServiceEntry.objects.update_or_create(
                entity=entity,
                kind=kind,
                defaults={"name": name, "staff_user": staff_user, "active": True},
            )
