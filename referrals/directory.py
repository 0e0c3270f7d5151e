"""The entity's service directory: the services its staff refer people to, kept by the entity's
administrators. Every change is audited; an entry is never deleted, only removed from use, so
the referrals already made to it still name where they went."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import Entity, User
from audit.models import AuditAction
from audit.services import SYSTEM_STREAM, audit_record
from core.errors import InvalidInputError, NotFoundError
from core.paging import PAGE_DEFAULT, Key, Page, keyset_page
from referrals.models import ServiceEntry, ServiceKind


class ServiceEntryInputError(InvalidInputError):
    """A directory entry cannot be saved as asked; ``fields`` says why."""


# As the directory reads: by kind of service, then name; the id is the pager's last key.
DIRECTORY_KEYS = (Key("kind"), Key("name"), Key("id"))


def directory_of(
    admin: User, entity: Entity, *, limit: int = PAGE_DEFAULT, cursor: str = ""
) -> Page[ServiceEntry]:
    """A page of the entries in use of an entity the administrator manages (nothing for
    another); one query whatever the page (issue 15)."""
    entries = ServiceEntry.objects.select_related("staff_user").filter(entity=entity, active=True)
    if not policy.manages_entity(admin, entity.pk):
        entries = entries.none()
    return keyset_page(entries, DIRECTORY_KEYS, limit=limit, cursor=cursor)


def directory_entry_for(admin: User, entry_id: int) -> ServiceEntry:
    """One entry in use that the administrator keeps; ``NotFoundError`` for any other."""
    entry = ServiceEntry.objects.select_related("entity").filter(pk=entry_id, active=True).first()
    if entry is None or not policy.manages_entity(admin, entry.entity_id):
        raise NotFoundError
    return entry


def _checked(entry: ServiceEntry) -> None:
    if entry.kind not in ServiceKind.values:
        raise ServiceEntryInputError({"kind": [_("Choose one of the kinds offered.")]})
    person = entry.staff_user
    # Naming a person routes referred cases to them alone: only an active colleague of the
    # same entity may be named, or the reporter's case would reach another organisation.
    if person is not None and not (person.is_active and person.entity_id == entry.entity_id):
        raise ServiceEntryInputError(
            {"staff_user": [_("Name an active staff member of this entity, or nobody.")]}
        )
    try:
        entry.full_clean()
    except DjangoValidationError as error:
        raise ServiceEntryInputError(error.message_dict) from None


def _audit(action: AuditAction, *, actor: User, entry: ServiceEntry) -> None:
    """The system trail names the entry, never its contact details."""
    detail = {
        "entity": entry.entity.code,
        "service_id": entry.pk,
        "kind": entry.kind,
        "staff_user": entry.staff_user.username if entry.staff_user else None,
    }
    audit_record(stream=SYSTEM_STREAM, action=action, actor=actor, detail=detail)


@transaction.atomic
def service_entry_add(
    *,
    actor: User,
    entity: Entity,
    kind: str,
    name: str,
    contact: str = "",
    staff_user: User | None = None,
) -> ServiceEntry:
    if not policy.manages_entity(actor, entity.pk):
        raise NotFoundError
    entry = ServiceEntry(
        entity=entity, kind=kind, name=name, contact=contact, staff_user=staff_user, active=True
    )
    _checked(entry)
    entry.save()
    _audit(AuditAction.SERVICE_ENTRY_ADDED, actor=actor, entry=entry)
    return entry


@transaction.atomic
def service_entry_change(
    *,
    actor: User,
    entry: ServiceEntry,
    kind: str,
    name: str,
    contact: str = "",
    staff_user: User | None = None,
) -> ServiceEntry:
    if not policy.manages_entity(actor, entry.entity_id):
        raise NotFoundError
    entry.kind, entry.name, entry.contact, entry.staff_user = kind, name, contact, staff_user
    _checked(entry)
    entry.save(update_fields=["kind", "name", "contact", "staff_user"])
    _audit(AuditAction.SERVICE_ENTRY_CHANGED, actor=actor, entry=entry)
    return entry


@transaction.atomic
def service_entry_remove(*, actor: User, entry: ServiceEntry) -> ServiceEntry:
    """Out of the directory: no new referral goes to it; past referrals keep naming it."""
    if not policy.manages_entity(actor, entry.entity_id):
        raise NotFoundError
    entry.active = False
    entry.save(update_fields=["active"])
    _audit(AuditAction.SERVICE_ENTRY_REMOVED, actor=actor, entry=entry)
    return entry
