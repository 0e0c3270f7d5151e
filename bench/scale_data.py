"""Benchmark data at UN-system scale, really encrypted (issue 15): ``generate_bench_data``.

It extends ``generate_stats_data``'s generator (the same entities, days, skewed categories,
routes, consents and cases stepped through the state machine, loaded with binary ``COPY``
after dropping the indexes) with everything a staff member's pages and the audit tools read:

- real encryption: each report gets its own random data key; its narrative, incident date,
  identity, alleged perpetrator, messages and override justifications are sealed with the
  vault's own functions (AES-256-GCM, bound to row and column), so the service's read path
  opens them. A shared report's data key is wrapped, as ``cases.readers`` wraps it today, to
  the X25519 reading key of each of its entity's two focal points (their readers by the
  visibility rules: nobody else works there) and to the entity's recovery key; every report
  has its drop key and a receipt wrapping.
- what is NOT as in production: Argon2id per receipt would take a million times ~0.1 s, so
  every receipt wrapping is made under ONE key, derived once (Argon2id, the configured cost)
  from one receipt and one salt, printed by the command; the reports' receipt indexes are
  random, so the portal finds no generated report by its receipt. The wrapping's format, size
  and salt column are real; only its uniqueness is not.
- messages (most cases a few, many none, one open case with 200), the reporter's timeline,
  and the audit trail: one stream per report, entries in time order, chained and headed with
  the server's key exactly as ``audit_record`` does, so ``verify_audit_chain`` accepts it.
  Its size is a parameter: besides the entries the story itself gives (submission, case
  opened, keys granted, transitions, consents, overrides, messages), cases get the staff's
  audited reads until the trail has the number asked for.

Memory stays bounded: reports are generated and copied ``CHUNK`` at a time.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import random
import uuid
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from multiprocessing.pool import AsyncResult
from typing import Any
from uuid import UUID

from django.db import models

from audit.models import AuditAction, AuditEntry, AuditStreamHead
from audit.services import GENESIS, canonical_of
from cases.vocabulary import CaseState
from reports.models import Message, TimelineEntry
from reports.vocabulary import TimelineEvent
from stats.management.commands.generate_stats_data import (
    CASES,
    CONSENTS,
    MEASURE_ROWS,
    OVERRIDES,
    REPORTS,
    Batch,
    CaseStory,
    EntityProfile,
    Generator,
    ReportDraft,
    Table,
)
from vault import crypto, envelope
from vault.models import DataKey, KeyWrap

SHARED_DATA_KEYS = Table(
    DataKey,
    (("id", "uuid"), ("created_on", "date"), ("shared", "bool"), ("drop_public_key", "bytea")),
)
KEY_WRAPS = Table(
    KeyWrap,
    (
        ("id", "uuid"),
        ("data_key", "uuid"),
        ("kind", "text"),
        ("recipient", "uuid"),
        ("kek_version", "text"),
        ("salt", "bytea"),
        ("wrapped_key", "bytea"),
    ),
)
MESSAGES = Table(
    Message,
    (
        ("id", "uuid"),
        ("report", "uuid"),
        ("sender", "text"),
        ("author", "int8"),
        ("body", "bytea"),
        ("sent_at", "timestamptz"),
        ("position", "int4"),
    ),
)
TIMELINE = Table(
    TimelineEntry,
    (
        ("id", "uuid"),
        ("report", "uuid"),
        ("event", "text"),
        ("params", "jsonb"),
        ("at", "timestamptz"),
        ("position", "int4"),
    ),
)
AUDIT_ENTRIES = Table(
    AuditEntry,
    (
        ("id", "uuid"),
        ("stream", "text"),
        ("position", "int4"),
        ("at", "timestamptz"),
        ("actor_kind", "text"),
        ("actor", "int8"),
        ("actor_username", "text"),
        ("action", "text"),
        ("detail", "jsonb"),
        ("previous_hash", "text"),
        ("entry_hash", "text"),
    ),
)
AUDIT_HEADS = Table(
    AuditStreamHead,
    (
        ("stream", "text"),
        ("last_hash", "text"),
        ("length", "int4"),
        ("head_mac", "text"),
        ("tag", "text"),
    ),
)
# In the order foreign keys need them.
BENCH_TABLES = (
    SHARED_DATA_KEYS,
    KEY_WRAPS,
    REPORTS,
    CONSENTS,
    CASES,
    MEASURE_ROWS,
    OVERRIDES,
    MESSAGES,
    TIMELINE,
    AUDIT_ENTRIES,
    AUDIT_HEADS,
)

# The transition that reaches each state (``cases.transitions``); from on hold back to
# assessment it is ``resume``.
TRANSITION_TO = {
    CaseState.ACKNOWLEDGED.value: "acknowledge",
    CaseState.ASSESSMENT.value: "begin_assessment",
    CaseState.INFORMAL_RESOLUTION.value: "start_informal",
    CaseState.FORMAL_REVIEW.value: "escalate_to_formal",
    CaseState.INVESTIGATION.value: "open_investigation",
    CaseState.FINDINGS.value: "record_findings",
    CaseState.DISCIPLINARY.value: "start_disciplinary",
    CaseState.ON_HOLD.value: "put_on_hold",
    CaseState.CLOSED.value: "close",
}
SHOWCASE_MESSAGES = 200
# Text that reads like a report, sliced at random: what is sealed is text, not noise.
_WORDS = (
    "During the team meeting he made remarks about my appearance again and others laughed. "
    "Afterwards he sent messages late at night asking to meet alone, which I refused. "
    "I am worried about my contract renewal because he signs my performance evaluation. "
    "A colleague saw what happened in the corridor and can confirm it. "
)
TEXT = _WORDS * (8000 // len(_WORDS) + 2)

_REPORTER = AuditEntry.ActorKind.REPORTER.value
_STAFF = AuditEntry.ActorKind.STAFF.value
_SYSTEM = AuditEntry.ActorKind.SYSTEM.value


@dataclass(frozen=True)
class EntityStaff:
    """Who reads an entity's shared reports: its focal points' keys and its recovery key."""

    usernames: Mapping[int, str]  # focal point's user id: username
    recipients: Sequence[tuple[UUID, bytes]]  # (recipient key id, public key)


@dataclass(frozen=True)
class SharedReceiptKey:
    """The one receipt derivation every generated receipt wrapping is made under."""

    receipt: str
    salt: bytes
    key: bytes


@dataclass(frozen=True)
class ChunkRows:
    """A chunk's rows, table by table in the loader's order, and its case with 200 messages."""

    rows: list[list[tuple[Any, ...]]]
    showcase: UUID | None


# The generator a worker process inherits when it is forked (``chunk_rows``).
_WORKER_GENERATOR: BenchGenerator | None = None


def chunk_rows(
    generator: BenchGenerator,
    chunks: Sequence[tuple[int, int]],
    workers: int,
) -> Iterator[ChunkRows]:
    """Each chunk's rows, in order, drawn by ``workers`` forked processes (the encryption is
    most of the time), with at most one chunk more than there are workers waiting, so memory stays bounded
    however many reports there are."""
    global _WORKER_GENERATOR
    _WORKER_GENERATOR = generator
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        pending: deque[AsyncResult[ChunkRows]] = deque()
        for first, end in chunks:
            pending.append(pool.apply_async(_draw_chunk, (first, end)))
            if len(pending) > workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
    _WORKER_GENERATOR = None


def _draw_chunk(first: int, end: int) -> ChunkRows:
    if _WORKER_GENERATOR is None:
        raise RuntimeError("the generator is set before the workers are forked")
    return _WORKER_GENERATOR.chunk(first, end)


@dataclass
class Event:
    """One thing that happened to a report, for its audit trail and its timeline."""

    at: datetime
    action: str
    actor_kind: str
    actor: int | None = None
    detail: dict[str, Any] | None = None
    timeline: tuple[str, dict[str, Any]] | None = None


class BenchGenerator(Generator):
    """``Generator`` with real ciphertext, key wraps, messages, timeline and audit trail."""

    def __init__(
        self,
        *,
        seed: int,
        now: datetime,
        entities: list[EntityProfile],
        staff: Mapping[int, EntityStaff],
        receipt: SharedReceiptKey,
        audit_entries_per_report: float,
    ) -> None:
        super().__init__(seed=seed, now=now, entities=entities)
        self.seed = seed
        self.staff = staff
        self.receipt = receipt
        self.audit_per_report = audit_entries_per_report
        self.audit_written = 0
        self.reports_written = 0
        self.showcase: UUID | None = None
        self._data_key_id = uuid.UUID(int=0)
        self._key = b""
        self.chain_digest = envelope.audit_chain_hasher()
        self.stream_tag = envelope.audit_stream_tagger()
        self.staff_usernames = {
            user_id: username
            for entity_staff in staff.values()
            for user_id, username in entity_staff.usernames.items()
        }

    def chunk(self, first: int, end: int) -> ChunkRows:
        """Reports ``first`` to ``end - 1``, drawn from a random stream of the chunk's own, so
        that worker processes can draw chunks side by side (``chunk_rows``) and the same seed
        still gives the same data."""
        self.rng = random.Random(f"{self.seed}-{first}")  # nosec B311  # reproducible data, not a secret
        self.audit_written = self.reports_written = 0
        if first > 0:
            # One case with 200 messages in all: the first chunk's.
            self.showcase = uuid.UUID(int=0)
        batch = Batch(BENCH_TABLES)
        for number in range(first, end):
            self.report(number, batch)
        showcase = self.showcase if first == 0 else None
        # Table by table in BENCH_TABLES' order: tables are told apart by identity, which
        # does not survive the way back from a worker.
        return ChunkRows([batch.rows[table] for table in BENCH_TABLES], showcase)

    # --- the report's key and sealed columns -------------------------------------------------

    def _add_data_key(self, data_key: UUID, day: date, batch: Batch) -> None:
        # Written once the report is drawn: whether it is shared depends on its consents.
        self._data_key_id = data_key
        self._key = crypto.new_data_key()

    def sealed(
        self, model: type[models.Model], row_id: UUID, column: str, plaintext_bytes: int
    ) -> bytes:
        return envelope.sealed_value(
            model, column, row_id, self._plaintext(column, plaintext_bytes), self._key
        )

    def _plaintext(self, column: str, size: int) -> bytes:
        if column == "incident_date":
            return (
                (self.now - timedelta(days=self.rng.randrange(30, 900))).date().isoformat().encode()
            )
        if column == "identity":
            return json.dumps(
                {"name": self.text(max(8, size - 40)), "email": "", "phone": ""}
            ).encode()
        if column == "alleged_perpetrator":
            return json.dumps(
                {"name": self.text(max(8, size - 40)), "seniority": "professional"}
            ).encode()
        return self.text(size).encode()

    def text(self, size: int) -> str:
        start = self.rng.randrange(len(TEXT) - size - 1) if size < len(TEXT) - 1 else 0
        return TEXT[start : start + size]

    # --- one report ------------------------------------------------------------------------

    def report(self, number: int, batch: Batch) -> tuple[ReportDraft, CaseStory | None]:
        draft, story = super().report(number, batch)
        data_key, key = self._data_key_id, self._key
        shared = story is not None
        batch.add(
            SHARED_DATA_KEYS, (data_key, draft.submitted_on, shared, crypto.drop_public_key(key))
        )
        batch.add(
            KEY_WRAPS,
            (
                self.uuid(),
                data_key,
                KeyWrap.Kind.RECEIPT.value,
                None,
                "",
                self.receipt.salt,
                envelope.receipt_wrap(data_key, key, self.receipt.key),
            ),
        )
        staff = self.staff[draft.entity.id]
        if shared:
            for recipient_id, public_key in staff.recipients:
                batch.add(
                    KEY_WRAPS,
                    (
                        self.uuid(),
                        data_key,
                        KeyWrap.Kind.RECIPIENT.value,
                        recipient_id,
                        "",
                        b"",
                        envelope.recipient_wrap(
                            data_key, key, recipient_id=recipient_id, public_key=public_key
                        ),
                    ),
                )
        events = self._story_events(draft, story, staff)
        if story is not None:
            events += self._messages(draft, story, batch)
            events += self._reads(story, len(events))
        self._trail(draft.id, events, batch)
        self.reports_written += 1
        return draft, story

    def _handler(self, story: CaseStory) -> int:
        return story.assigned_to or story.draft.entity.focal_points[0]

    def _story_events(
        self, draft: ReportDraft, story: CaseStory | None, staff: EntityStaff
    ) -> list[Event]:
        granted = sorted(action for action, yes in draft.consents.items() if yes)
        # Consents given later in the portal are not among those given at submission.
        later = {action for action, _granted, _at in draft.later}
        events = [
            Event(
                draft.submitted_at,
                AuditAction.REPORT_SUBMITTED,
                _REPORTER,
                detail={
                    "route": draft.route,
                    "consents_granted": [a for a in granted if a not in later],
                    "attachments": 0,
                },
                timeline=(TimelineEvent.SUBMITTED, {}),
            )
        ]
        for action, yes, at in draft.later:
            events.append(
                Event(
                    self.midnight(at.date()),
                    AuditAction.CONSENT_GRANTED if yes else AuditAction.CONSENT_WITHDRAWN,
                    _REPORTER,
                    detail={"action": action},
                    timeline=(
                        TimelineEvent.CONSENT_GRANTED if yes else TimelineEvent.CONSENT_WITHDRAWN,
                        {"action": action},
                    ),
                )
            )
        if story is None:
            return events
        events.append(
            Event(
                draft.submitted_at,
                AuditAction.CASE_OPENED,
                _SYSTEM,
                detail={"state": CaseState.RECEIVED.value},
                timeline=(TimelineEvent.CASE_OPENED, {}),
            )
        )
        events.append(
            Event(
                draft.submitted_at,
                AuditAction.READING_KEY_GRANTED,
                _SYSTEM,
                detail={"readers": sorted(staff.usernames.values())},
            )
        )
        handler = self._handler(story)
        previous = CaseState.RECEIVED.value
        for state, at in story.steps:
            name = TRANSITION_TO[state]
            if state == CaseState.ASSESSMENT and previous == CaseState.ON_HOLD:
                name = "resume"
            events.append(
                Event(
                    at,
                    AuditAction.CASE_TRANSITION,
                    _STAFF,
                    handler,
                    detail={"transition": name, "from": previous, "to": state},
                    timeline=(TimelineEvent.TRANSITION, {"state": state, "transition": name}),
                )
            )
            previous = state
        for override in story.overrides:
            events.append(
                Event(
                    override.requested_at,
                    AuditAction.OVERRIDE_REQUESTED,
                    _STAFF,
                    override.requested_by,
                    detail={"transition": override.transition, "consents": override.consents},
                )
            )
            events.append(
                Event(
                    override.decided_at,
                    AuditAction.OVERRIDE_APPROVED,
                    _STAFF,
                    override.decided_by,
                    detail={"transition": override.transition},
                )
            )
        return events

    def _window(self, story: CaseStory) -> tuple[datetime, float]:
        start = story.draft.submitted_at
        end = story.closed_at or self.now
        return start, max(60.0, (end - start).total_seconds())

    def _messages(self, draft: ReportDraft, story: CaseStory, batch: Batch) -> list[Event]:
        rng = self.rng
        if self.showcase is None and story.state not in (
            CaseState.CLOSED,
            CaseState.RECEIVED,
        ):
            self.showcase = draft.id
            count = SHOWCASE_MESSAGES
        elif rng.random() < 0.35:
            return []
        else:
            count = min(60, 1 + int(rng.expovariate(1 / 3)))
        start, seconds = self._window(story)
        moments = sorted(start + timedelta(seconds=rng.random() * seconds) for _ in range(count))
        handler = self._handler(story)
        events = []
        for position, moment in enumerate(moments, start=1):
            from_staff = rng.random() < 0.5
            # A reporter's message keeps the day only (issue 11).
            sent_at = moment if from_staff else self.midnight(moment.date())
            message_id = self.uuid()
            size = max(20, int(rng.lognormvariate(math.log(300), 0.7)))
            batch.add(
                MESSAGES,
                (
                    message_id,
                    draft.id,
                    Message.Sender.STAFF.value if from_staff else Message.Sender.REPORTER.value,
                    handler if from_staff else None,
                    envelope.sealed_value(
                        Message, "body", message_id, self.text(min(size, 4000)).encode(), self._key
                    ),
                    sent_at,
                    position,
                ),
            )
            events.append(
                Event(
                    sent_at,
                    AuditAction.MESSAGE_FROM_STAFF
                    if from_staff
                    else AuditAction.MESSAGE_FROM_REPORTER,
                    _STAFF if from_staff else _REPORTER,
                    handler if from_staff else None,
                    timeline=(TimelineEvent.MESSAGE_FROM_STAFF, {}) if from_staff else None,
                )
            )
        return events

    def _reads(self, story: CaseStory, so_far: int) -> list[Event]:
        """The staff's audited reads of the case, as many as keep the trail at the size asked
        for (the reports without a case leave their share to the cases)."""
        wanted = round(self.audit_per_report * (self.reports_written + 1))
        reads = min(50, wanted - self.audit_written - so_far)
        start, seconds = self._window(story)
        handler = self._handler(story)
        return [
            Event(
                start + timedelta(seconds=self.rng.random() * seconds),
                AuditAction.CASE_DECRYPTED_READ,
                _STAFF,
                handler,
                detail={"identity": False, "messages": 0},
            )
            for _read in range(max(0, reads))
        ]

    def _trail(self, report_id: UUID, events: list[Event], batch: Batch) -> None:
        """The report's audit stream and timeline, in time order, chained as ``audit_record``
        chains them."""
        events.sort(key=lambda event: event.at)
        stream = str(report_id)
        previous = GENESIS
        usernames = self.staff_usernames
        timeline_position = 0
        for position, event in enumerate(events, start=1):
            username = usernames[event.actor] if event.actor is not None else ""
            detail = event.detail or {}
            canonical = canonical_of(
                stream=stream,
                position=position,
                at=event.at,
                actor_kind=event.actor_kind,
                actor_id=event.actor,
                actor_username=username,
                action=event.action,
                detail=detail,
            )
            entry_hash = self.chain_digest(previous, canonical)
            batch.add(
                AUDIT_ENTRIES,
                (
                    self.uuid(),
                    stream,
                    position,
                    event.at,
                    event.actor_kind,
                    event.actor,
                    username,
                    event.action,
                    detail,
                    previous,
                    entry_hash,
                ),
            )
            previous = entry_hash
            if event.timeline is not None:
                timeline_position += 1
                what, params = event.timeline
                # The reporter's timeline keeps the day only (issue 11).
                batch.add(
                    TIMELINE,
                    (
                        self.uuid(),
                        report_id,
                        what,
                        params,
                        self.midnight(event.at.date()),
                        timeline_position,
                    ),
                )
        batch.add(
            AUDIT_HEADS,
            (
                stream,
                previous,
                len(events),
                envelope.audit_head_digest(stream, len(events), previous),
                # What the checkpoints call the stream, as audit_record writes it.
                self.stream_tag(stream),
            ),
        )
        self.audit_written += len(events)
