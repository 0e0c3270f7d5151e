"""The recovery ceremony (issue 14): an entity's recovery key gives a named colleague back the
reading rights the visibility rules give them, when nobody who holds the reports' keys can.

Two officers bring the entity's private recovery key (whole, or its two shares) to the
technical team, who run ``manage.py recover_access``. The key is used in memory for this one
run and never stored. It opens only the data keys wrapped to the entity's recovery key, and
each is passed only to the named colleague, only where ``readers_of`` says they may read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from accounts.models import Entity, User
from audit.models import AuditAction
from audit.services import SYSTEM_STREAM, audit_record
from cases.models import Case
from cases.readers import readers_of
from core.batches import BATCH_SIZE
from vault import envelope, readers
from vault.models import KeyWrap, RecipientKey


class RecoveryRefusedError(Exception):
    """The ceremony cannot run as asked; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class RecoveryOutcome:
    entity: Entity
    user: User
    cases_regranted: int


def _entity_key(entity_code: str) -> tuple[Entity, RecipientKey]:
    entity = Entity.objects.filter(code=entity_code).first()
    if entity is None:
        raise RecoveryRefusedError(f"No entity with code {entity_code!r}.")
    key = RecipientKey.objects.filter(entity=entity, kind=RecipientKey.Kind.ENTITY_RECOVERY).first()
    if key is None:
        raise RecoveryRefusedError(f"Entity {entity.code} has no recovery key.")
    return entity, key


def _reader(username: str) -> tuple[User, RecipientKey]:
    user = User.objects.filter(username=username).select_related("entity").first()
    if user is None:
        raise RecoveryRefusedError(f"No user named {username!r}.")
    if not user.is_active:
        raise RecoveryRefusedError(f"{user.username} has been deactivated.")
    key = RecipientKey.objects.filter(user=user, kind=RecipientKey.Kind.STAFF).first()
    if key is None:
        raise RecoveryRefusedError(
            f"{user.username} has no reading key yet: they enrol (or sign in) first."
        )
    return user, key


@transaction.atomic
def recover_access(
    *, entity_code: str, username: str, recovery_key_parts: list[str]
) -> RecoveryOutcome:
    """Wrap to ``username``'s reading key the data key of every case of the entity that they
    may read and whose report is wrapped to the entity's recovery key.

    ``recovery_key_parts`` is the whole private key, or its two shares. Raises
    ``RecoveryRefusedError`` (unknown entity or user, a user who left or has no key) or
    ``readers.WrongRecoveryKeyError``, before anything is written.
    """
    entity, entity_key = _entity_key(entity_code)
    user, user_key = _reader(username)
    # Wrong key, or a single share: refused here, before any write.
    unlocked = readers.entity_recovery_key_open(entity_key, *recovery_key_parts)
    cases = (
        Case.objects.filter(
            report__data_key__wraps__kind=KeyWrap.Kind.RECIPIENT,
            report__data_key__wraps__recipient=entity_key,
        )
        .select_related("report", "report__data_key")
        .distinct()
        .order_by("pk")
    )
    regranted = 0
    # Streamed: an entity's cases, with their reports and keys, would not fit in memory at once.
    for case in cases.iterator(chunk_size=BATCH_SIZE):
        data_key = case.report.data_key
        if user_key.id in envelope.recipients_of(data_key):
            continue
        if user.pk not in {reader.pk for reader in readers_of(case)}:
            continue
        key_material = envelope.open_as_recipient(data_key, unlocked)
        envelope.recipient_wraps_add(
            data_key=data_key, key_material=key_material, recipients=[user_key]
        )
        audit_record(
            stream=case.report_id,
            action=AuditAction.READING_KEY_GRANTED,
            actor_kind="system",
            detail={"readers": [user.username], "by": "recovery", "entity": entity.code},
        )
        regranted += 1
    audit_record(
        stream=SYSTEM_STREAM,
        action=AuditAction.RECOVERY_CEREMONY,
        actor_kind="system",
        detail={
            "username": user.username,
            "entity": entity.code,
            "cases": regranted,
            "from_shares": len(recovery_key_parts) == 2,
        },
    )
    return RecoveryOutcome(entity=entity, user=user, cases_regranted=regranted)
