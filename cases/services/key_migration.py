"""Moving shared reports off the server's key to their readers' keys (issue 14, item 7).

Before issue 14 a shared report's data key was wrapped under the server's KEK (an
``ORGANISATION`` wrap). The move opens each such data key once with the KEK, wraps it to every
reader by the visibility rules who has a reading key and to the recovery keys of the entities
concerned (``cases.readers.reader_wraps_sync``), and deletes the server's wrap.

The organisation wrap is itself the progress marker: a report is moved, and its wrap deleted,
in one transaction, so an interrupted run simply continues where it stopped. Data keys are
read in keyset order by id, a batch at a time, so memory stays bounded however many there are.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction

from accounts.models import Entity
from audit.models import AuditAction
from audit.services import SYSTEM_STREAM, audit_record
from cases.models import Case
from cases.readers import reader_wraps_sync, readers_of
from cases.services.locking import case_lock
from reports.locking import report_lock
from reports.models import Report
from vault import envelope
from vault.models import KeyWrap, RecipientKey

DEFAULT_BATCH_SIZE = 200


@dataclass(frozen=True)
class MoveReadiness:
    """What stops the move: entities with shared reports but no recovery key (by code), and
    readers by the rules without a reading key yet (username: how many reports wait for them)."""

    entities_without_recovery_key: list[str]
    readers_without_key: dict[str, int]


def move_readiness(*, batch_size: int = DEFAULT_BATCH_SIZE) -> MoveReadiness:
    """Read-only: check, before anything is moved, that every report moved will have a key
    holder outside the server. The cases are walked in keyset batches, like the move itself."""
    shared_cases = Case.objects.filter(
        report__data_key_id__in=KeyWrap.objects.filter(kind=KeyWrap.Kind.ORGANISATION).values(
            "data_key_id"
        )
    )
    entity_ids: set[int] = set()
    for pair in shared_cases.order_by().values_list("entity_id", "handling_entity_id").distinct():
        entity_ids.update(entity_id for entity_id in pair if entity_id is not None)
    with_key = set(
        RecipientKey.objects.filter(entity_id__in=entity_ids).values_list("entity_id", flat=True)
    )
    missing_entities = sorted(
        Entity.objects.filter(pk__in=entity_ids - with_key).values_list("code", flat=True)
    )
    waiting: Counter[str] = Counter()
    last: uuid.UUID | None = None
    while True:
        batch_query = shared_cases.order_by("pk").select_related("report", "report__data_key")
        if last is not None:
            batch_query = batch_query.filter(pk__gt=last)
        batch = list(batch_query[:batch_size])
        if not batch:
            break
        for case in batch:
            readers = readers_of(case)
            keyed = set(
                RecipientKey.objects.filter(user__in=readers).values_list("user_id", flat=True)
            )
            waiting.update(user.username for user in readers if user.pk not in keyed)
        last = batch[-1].pk
    return MoveReadiness(
        entities_without_recovery_key=missing_entities, readers_without_key=dict(waiting)
    )


@dataclass
class MoveResult:
    reports_moved: int = 0
    wraps_made: int = 0
    # Shared before a route or consent change left no case: only the receipt opens them now.
    sealed_without_case: int = 0
    # Data keys no report points at any more; their server wrap is left for an operator to see.
    skipped: list[uuid.UUID] = field(default_factory=list)
    seconds: float = 0.0


class MoveWouldLockOutError(Exception):
    """After the move the report would have no recipient wrap at all: nobody but the server
    could ever read it again, and the server no longer could. Nothing was changed for it."""


@transaction.atomic
def organisation_wrap_move(data_key_id: uuid.UUID) -> tuple[str, int]:
    """Move one report's data key off the server's wrap; returns what happened to it
    (``moved``, ``sealed``, ``gone`` for nothing left to do, ``orphan``) and the wraps made."""
    report_id = Report.objects.filter(data_key_id=data_key_id).values_list("pk", flat=True).first()
    if report_id is None:
        return "orphan", 0
    case = Case.objects.filter(report_id=report_id).first()
    # The report's row first, as every writer on a report takes it (``reports.locking``).
    report = case_lock(case).report if case is not None else report_lock(report_id)
    data_key = report.data_key
    # Read again under the lock: another run, or the reporter re-sealing, may have got here first.
    if (
        data_key.pk != data_key_id
        or not data_key.wraps.filter(kind=KeyWrap.Kind.ORGANISATION).exists()
    ):
        return "gone", 0
    if case is None:
        # The server's wrap exists only while a case review is granted; without a case the
        # report is the reporter's alone, sealed to their receipt.
        data_key.wraps.filter(kind=KeyWrap.Kind.ORGANISATION).delete()
        return "sealed", 0
    before = envelope.recipients_of(data_key)
    key = envelope.open_with_organisation_key(data_key)
    reader_wraps_sync(case, key)
    after = envelope.recipients_of(data_key)
    if not after:
        raise MoveWouldLockOutError(str(report.reference))
    data_key.wraps.filter(kind=KeyWrap.Kind.ORGANISATION).delete()
    return "moved", len(after - before)


def organisation_wraps_move(
    *, batch_size: int = DEFAULT_BATCH_SIZE, limit: int | None = None
) -> MoveResult:
    """Move every report still wrapped under the server's key, each in its own transaction;
    ``limit`` stops after that many reports (the rest move on the next run). Audits the run
    once in the system stream when anything changed."""
    started = time.monotonic()
    result = MoveResult()
    last: uuid.UUID | None = None
    handled = 0
    while limit is None or handled < limit:
        query = (
            KeyWrap.objects.filter(kind=KeyWrap.Kind.ORGANISATION)
            .order_by("data_key_id")
            .values_list("data_key_id", flat=True)
        )
        if last is not None:
            # Keyset pagination: each batch starts after the last, so the scan stays linear
            # and skipped keys are not met again.
            query = query.filter(data_key_id__gt=last)
        batch = list(query[:batch_size])
        if not batch:
            break
        for data_key_id in batch:
            if limit is not None and handled >= limit:
                break
            outcome, made = organisation_wrap_move(data_key_id)
            handled += 1
            if outcome == "moved":
                result.reports_moved += 1
                result.wraps_made += made
            elif outcome == "sealed":
                result.sealed_without_case += 1
            elif outcome == "orphan":
                result.skipped.append(data_key_id)
        last = batch[-1]
    result.seconds = time.monotonic() - started
    if result.reports_moved or result.sealed_without_case:
        audit_record(
            stream=SYSTEM_STREAM,
            action=AuditAction.KEYS_MOVED_TO_RECIPIENTS,
            actor_kind="system",
            detail={
                "reports_moved": result.reports_moved,
                "wraps_made": result.wraps_made,
                "sealed_without_case": result.sealed_without_case,
                "left": KeyWrap.objects.filter(kind=KeyWrap.Kind.ORGANISATION).count(),
            },
        )
    return result
