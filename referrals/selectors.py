"""What the entity's service directory shows to anyone, without a report (issue 11)."""

from __future__ import annotations

from django.db.models import QuerySet

from referrals.models import ServiceEntry, ServiceKind

# Where a person can turn for help on their own. Mediation and the investigation office are
# steps of a case, reached through a report and the reporter's consent, not support.
SUPPORT_KINDS: tuple[str, ...] = (
    ServiceKind.STAFF_COUNSELLOR,
    ServiceKind.MEDICAL,
    ServiceKind.LEGAL_AID,
    ServiceKind.SECURITY,
    ServiceKind.OMBUDSPERSON,
    ServiceKind.EXTERNAL,
)


def support_directory(*, entity_id: int) -> list[tuple[str, list[ServiceEntry]]]:
    """The entity's active support services, grouped by kind (its translated label)."""
    entries: QuerySet[ServiceEntry] = ServiceEntry.objects.filter(
        entity_id=entity_id, active=True, kind__in=SUPPORT_KINDS
    ).order_by("name")
    grouped = []
    for kind in SUPPORT_KINDS:
        listed = [entry for entry in entries if entry.kind == kind]
        if listed:
            grouped.append((str(ServiceKind(kind).label), listed))
    return grouped
