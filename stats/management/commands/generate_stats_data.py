"""Generate a large, realistic data set for benchmarking statistics, straight into PostgreSQL.

``generate_stats_data --reports 1000000`` fills what statistics count (entities and their focal
points, data keys, reports, consents, cases, measures, overrides) with binary ``COPY``, never one
ORM save per row, so that a million reports take minutes on a small machine. Every row keeps the
database's constraints and the service's own rules: a channel only with the informal route; a
case only for a report whose reporter granted case review and did not ask for a record only;
states reached in the state machine's order, each step behind the consents it needs (granted at
intake, later in the portal, or passed by an approved override of two focal points); the day of
submission, and nothing finer, on everything written at intake.

The encrypted columns hold random bytes shaped like the vault's ciphertext (format byte, nonce,
body, tag) at realistic lengths: statistics never decrypt, but the tables' sizes, and so the cost
of scanning them, are those of real data. Nothing here can be opened, so no key wraps are
written, and neither timeline nor audit entries (statistics read none of them).

Everything is drawn back from the start of today (UTC), nothing after it: the same ``--seed``
gives the same rows all day, whatever the hour.
"""

from __future__ import annotations

import math
import random
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from itertools import accumulate
from typing import Any, Generic, TypeVar
from uuid import UUID

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.backends.utils import CursorWrapper
from psycopg import sql

from accounts.models import Entity, Role, User
from cases.models import Case, CaseMeasure, Override
from cases.vocabulary import CaseState, ClosureReason, Measure, Outcome
from reports.limits import ACKNOWLEDGEMENT_DAYS, NARRATIVE_MAX
from reports.models import Consent, Report
from reports.receipts import ALPHABET, REFERENCE_SIZE
from reports.vocabulary import (
    NAMED_OVERRIDE_GROUNDS,
    AffectedPersonIdentifiable,
    Category,
    ConsentAction,
    IdentityDisclosure,
    InformalChannel,
    LocationType,
    ReporterRole,
    Route,
)
from vault.crypto import FORMAT_AES256GCM, NONCE_BYTES
from vault.models import DataKey

T = TypeVar("T")

# What marks the entities and staff this command made, so that --force removes those only.
ENTITY_NAME_PREFIX = "Statistics benchmark entity"
STAFF_PREFIX = "stats_bench_"
# Reports generated, then copied, at a time: bounds the memory their rows take.
CHUNK = 20_000
GCM_TAG_BYTES = 16
DAY = timedelta(days=1)


# --- Distributions ---------------------------------------------------------------------------


class Weighted(Generic[T]):
    """Draws one of its values with the given relative weights."""

    def __init__(self, weights: Mapping[T, float]) -> None:
        self.values = list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        index = bisect_right(self.cumulative, rng.random() * self.total)
        return self.values[min(index, len(self.values) - 1)]


def reweighted(base: Mapping[T, float], factors: Mapping[T, float]) -> Weighted[T]:
    return Weighted({value: weight * factors.get(value, 1.0) for value, weight in base.items()})


LOCATIONS = Weighted(
    {
        LocationType.HEADQUARTERS.value: 34,
        LocationType.FIELD.value: 30,
        LocationType.REMOTE_OR_ONLINE.value: 14,
        LocationType.OFFSITE_EVENT.value: 10,
        "": 12,  # the reporter did not say
    }
)
_CATEGORY_BASE = {
    Category.VERBAL.value: 38.0,
    Category.NON_VERBAL.value: 22.0,
    Category.PHYSICAL.value: 11.0,
    Category.TECHNOLOGY_FACILITATED.value: 9.0,
    Category.OTHER.value: 8.0,
    Category.QUID_PRO_QUO.value: 7.0,
    Category.SEXUAL_ASSAULT.value: 4.0,
}
# Where it happened shifts what happened: online, little is physical.
CATEGORIES = {
    location: reweighted(_CATEGORY_BASE, factors)
    for location, factors in {
        LocationType.HEADQUARTERS.value: {},
        LocationType.FIELD.value: {Category.PHYSICAL.value: 1.2},
        LocationType.REMOTE_OR_ONLINE.value: {
            Category.TECHNOLOGY_FACILITATED.value: 5.0,
            Category.PHYSICAL.value: 0.1,
            Category.SEXUAL_ASSAULT.value: 0.1,
        },
        LocationType.OFFSITE_EVENT.value: {
            Category.PHYSICAL.value: 1.5,
            Category.SEXUAL_ASSAULT.value: 1.8,
        },
        "": {},
    }.items()
}
SERIOUS = frozenset({Category.SEXUAL_ASSAULT.value, Category.QUID_PRO_QUO.value})
_ROUTE_BASE = {
    Route.INFORMAL.value: 40.0,
    Route.FORMAL.value: 20.0,
    Route.SUPPORT_ONLY.value: 15.0,
    Route.RECORD_ONLY.value: 15.0,
    Route.UNDECIDED.value: 10.0,
}
ROUTES = Weighted(_ROUTE_BASE)
# The most serious harm goes to a formal complaint more often.
ROUTES_WHEN_SERIOUS = reweighted(_ROUTE_BASE, {Route.FORMAL.value: 2.0, Route.INFORMAL.value: 0.5})
CHANNELS = Weighted(
    {
        InformalChannel.OMBUDSPERSON.value: 45,
        InformalChannel.MANAGER_INTERVENTION.value: 33,
        InformalChannel.MEDIATION.value: 22,
    }
)
ROLES = Weighted({ReporterRole.AFFECTED_PERSON.value: 75, ReporterRole.WITNESS.value: 25})
DISCLOSURES = Weighted(
    {IdentityDisclosure.ANONYMOUS.value: 55, IdentityDisclosure.CONFIDENTIAL.value: 45}
)
MEASURES = Weighted(
    {
        Measure.WRITTEN_CENSURE.value: 28,
        Measure.OTHER_ADMINISTRATIVE.value: 18,
        Measure.DISMISSAL.value: 12,
        Measure.LOSS_OF_STEPS.value: 11,
        Measure.SEPARATION.value: 9,
        Measure.FINE.value: 9,
        Measure.DEMOTION.value: 6,
        Measure.NONE.value: 7,
    }
)
# January to December: fewer reports in the summer and at the year's end.
SEASON = (1.0, 1.05, 1.1, 1.0, 1.05, 0.95, 0.8, 0.7, 1.05, 1.15, 1.1, 0.75)
# Monday to Sunday.
WEEKDAY = (1.1, 1.1, 1.05, 1.0, 0.95, 0.45, 0.4)
# Reports a tiny entity receives in an average quarter: below any publication threshold.
TINY_PER_QUARTER = (2.5, 4.0)

# The intake form asks its consent questions in the vocabulary's order.
CONSENT_ORDER = tuple(ConsentAction.values)
# The consents an informal channel needs to start (``cases.transitions.CHANNEL_CONSENTS``).
CHANNEL_CONSENTS: dict[str, tuple[str, ...]] = {
    InformalChannel.OMBUDSPERSON.value: (ConsentAction.OMBUDSPERSON_REFERRAL.value,),
    InformalChannel.MEDIATION.value: (
        ConsentAction.MEDIATION.value,
        ConsentAction.CONTACT_ALLEGED_PERPETRATOR.value,
    ),
    InformalChannel.MANAGER_INTERVENTION.value: (ConsentAction.CONTACT_ALLEGED_PERPETRATOR.value,),
    "": (ConsentAction.OMBUDSPERSON_REFERRAL.value,),
}
# Where the organisation's duty of care can outweigh a missing consent, so that two focal points
# sometimes approve an override; an informal step never goes ahead without the reporter.
OVERRIDDEN_STEPS = frozenset({"escalate_to_formal", "open_investigation"})
FORMAL_CONSENTS = (ConsentAction.FORMAL_INVESTIGATION.value,)
INVESTIGATION_CONSENTS = (
    ConsentAction.FORMAL_INVESTIGATION.value,
    ConsentAction.CONTACT_ALLEGED_PERPETRATOR.value,
)


# --- Rows, as they are copied ----------------------------------------------------------------


# Compared and hashed by identity: each table is one constant, looked up per row.
@dataclass(frozen=True, eq=False)
class Table:
    """A model's columns in the order rows give them, with their PostgreSQL types."""

    model: type[models.Model]
    columns: tuple[tuple[str, str], ...]  # (field name, type)

    def statement(self) -> sql.Composed:
        columns = {
            field.name: field.column for field in self.model._meta.concrete_fields if field.column
        }
        return sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(self.model._meta.db_table),
            sql.SQL(", ").join([sql.Identifier(columns[name]) for name, _type in self.columns]),
        )

    @property
    def types(self) -> list[str]:
        return [type_ for _name, type_ in self.columns]


DATA_KEYS = Table(DataKey, (("id", "uuid"), ("created_on", "date")))
REPORTS = Table(
    Report,
    (
        ("id", "uuid"),
        ("reference", "text"),
        ("receipt_index", "text"),
        ("data_key", "uuid"),
        ("entity", "int8"),
        ("category", "text"),
        ("route", "text"),
        ("informal_channel", "text"),
        ("location_type", "text"),
        ("reporter_role", "text"),
        ("identity_disclosure", "text"),
        ("affected_person_identifiable", "text"),
        ("submitted_on", "date"),
        ("narrative", "bytea"),
        ("incident_date", "bytea"),
        ("identity", "bytea"),
        ("alleged_perpetrator", "bytea"),
    ),
)
CONSENTS = Table(
    Consent,
    (
        ("id", "uuid"),
        ("report", "uuid"),
        ("action", "text"),
        ("granted", "bool"),
        ("source", "text"),
        ("recorded_at", "timestamptz"),
        ("position", "int4"),
    ),
)
CASES = Table(
    Case,
    (
        ("id", "uuid"),
        ("report", "uuid"),
        ("entity", "int8"),
        ("state", "text"),
        ("assigned_to", "int8"),
        ("labels", "jsonb"),
        ("outcome", "text"),
        ("closure_reason", "text"),
        ("opened_at", "timestamptz"),
        ("acknowledgement_due", "date"),
        ("acknowledged_at", "timestamptz"),
        ("feedback_due", "date"),
        ("formal_started_at", "timestamptz"),
        ("closed_at", "timestamptz"),
        ("submitted_on", "date"),
    ),
)
MEASURE_ROWS = Table(CaseMeasure, (("case", "uuid"), ("measure", "text"), ("recorded_on", "date")))
OVERRIDES = Table(
    Override,
    (
        ("id", "uuid"),
        ("case", "uuid"),
        ("transition", "text"),
        ("consents", "jsonb"),
        ("ground", "text"),
        ("justification", "bytea"),
        ("status", "text"),
        ("requested_by", "int8"),
        ("requested_at", "timestamptz"),
        ("decided_by", "int8"),
        ("decided_at", "timestamptz"),
        ("used_at", "timestamptz"),
    ),
)
# In the order foreign keys need them.
TABLES = (DATA_KEYS, REPORTS, CONSENTS, CASES, MEASURE_ROWS, OVERRIDES)


@dataclass
class Batch:
    tables: Sequence[Table] = TABLES
    rows: dict[Table, list[tuple[Any, ...]]] = field(init=False)

    def __post_init__(self) -> None:
        self.rows = {table: [] for table in self.tables}

    def add(self, table: Table, row: tuple[Any, ...]) -> None:
        self.rows[table].append(row)


# --- Entities --------------------------------------------------------------------------------


@dataclass
class EntityProfile:
    """An entity as the generator sees it: its size, its days, its staff, its habits."""

    id: int
    code: str
    share: float
    days: list[date]
    cumulative: list[float]
    focal_points: tuple[int, int]
    feedback_due_months: int
    # How slowly its cases move (1: the median entity) and how often it acknowledges late.
    pace: float
    lateness: float

    def day(self, rng: random.Random) -> date:
        index = bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        return self.days[min(index, len(self.days) - 1)]


def quarter_index(day: date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def quarter_start(index: int) -> date:
    return date(index // 4, index % 4 * 3 + 1, 1)


def entity_shares(count: int, reports: int, quarters: int) -> list[float]:
    """Zipf-like sizes (a few big entities, many small), the last two tiny."""
    tiny = 2 if count >= 3 else 0
    regular = [1 / rank**1.1 for rank in range(1, count - tiny + 1)]
    scale = 1 / sum(regular)
    shares = [weight * scale for weight in regular]
    smallest = shares[-1]
    return shares + [
        min(per_quarter * quarters / reports, smallest) for per_quarter in TINY_PER_QUARTER[:tiny]
    ]


def active_window(position: int, count: int, first: int, last: int) -> tuple[int, int, bool]:
    """The quarters an entity received reports in, and whether it still accepts them: with
    enough entities, one joined the service part-way and one left it."""
    span = last - first + 1
    if count >= 8 and position == count // 3:
        return first + span * 2 // 5, last, True
    if count >= 8 and position == 2 * count // 3:
        return first, first + span * 3 // 4, False
    return first, last, True


# --- The generator ---------------------------------------------------------------------------


class StepAfterNowError(Exception):
    """The case's next step would come after now: the case is where it stands today."""


@dataclass
class ReportDraft:
    id: UUID
    entity: EntityProfile
    submitted_on: date
    submitted_at: datetime
    category: str
    route: str
    channel: str
    consents: dict[str, bool]
    # (action, granted, when) recorded in the reporter's portal after submission.
    later: list[tuple[str, bool, datetime]] = field(default_factory=list)


@dataclass
class OverrideDraft:
    """An override two focal points approved; spent by the step it lets pass."""

    transition: str
    consents: list[str]
    requested_by: int
    requested_at: datetime
    decided_by: int
    decided_at: datetime
    ground: str
    used_at: datetime | None = None


class CaseStory:
    """One case stepped through the state machine until its next step would be after now."""

    def __init__(self, generator: Generator, draft: ReportDraft) -> None:
        self.generator = generator
        self.rng = generator.rng
        self.draft = draft
        self.id = generator.uuid()
        self.state = CaseState.RECEIVED.value
        self.clock = draft.submitted_at
        self.acknowledged_at: datetime | None = None
        self.feedback_due: date | None = None
        self.assigned_to: int | None = None
        self.formal_started_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.closure_reason = ""
        self.outcome = ""
        self.measures: list[str] = []
        self.measures_on: date | None = None
        self.unspent: OverrideDraft | None = None
        self.overrides: list[OverrideDraft] = []
        # (state, when) of every step, for whatever writes the case's history.
        self.steps: list[tuple[str, datetime]] = []
        # How fast this case moves: its entity's pace, and now and then one that stalls.
        self.pace = draft.entity.pace * self.rng.lognormvariate(0, 0.35)
        if self.rng.random() < 0.03:
            self.pace *= 6

    def days(self, median: float, spread: float = 0.6) -> float:
        return median * self.pace * self.rng.lognormvariate(0, spread)

    def at(self, days: float) -> datetime:
        """A moment in office hours ``days`` after the last step (never before it)."""
        moment = self.generator.office_time(self.clock.date() + timedelta(days=int(days)))
        if moment <= self.clock:
            moment = self.clock + timedelta(minutes=5 + self.rng.random() * 240)
        if moment > self.generator.now:
            raise StepAfterNowError
        return moment

    def go(self, state: str, days: float) -> datetime:
        moment = self.at(days)
        self.clock, self.state = moment, state
        self.steps.append((state, moment))
        if state == CaseState.ACKNOWLEDGED or (
            state == CaseState.ASSESSMENT and self.acknowledged_at is None
        ):
            self._acknowledged(moment, assign=state == CaseState.ACKNOWLEDGED)
        if state == CaseState.FORMAL_REVIEW and self.formal_started_at is None:
            self.formal_started_at = moment
        if self.unspent is not None:
            self.unspent.used_at = moment
            self.unspent = None
        return moment

    def _acknowledged(self, moment: datetime, *, assign: bool) -> None:
        self.acknowledged_at = moment
        months = self.draft.entity.feedback_due_months
        self.feedback_due = (moment + relativedelta(months=months)).date()
        if assign:
            self.assigned_to = self.rng.choice(self.draft.entity.focal_points)

    def close(self, reason: str, days: float) -> None:
        self.closed_at = self.go(CaseState.CLOSED.value, days)
        self.closure_reason = reason

    def record_measures(self, moment: datetime) -> None:
        self.measures, self.measures_on = self.generator.measures(), moment.date()

    def gate(self, transition: str, actions: Sequence[str]) -> bool:
        """Whether the step may run: the reporter consented, agrees now, or two focal points
        approve an override for exactly what is missing."""
        missing = [action for action in actions if not self.draft.consents.get(action)]
        if not missing:
            return True
        chance = self.rng.random()
        override_rate = 0.0
        if transition in OVERRIDDEN_STEPS:
            override_rate = 0.15 if self.draft.category in SERIOUS else 0.02
        if chance < override_rate:
            self._override(transition, missing)
            return True
        if chance < override_rate + 0.55:
            self._reporter_agrees(missing)
            return True
        return False

    def _reporter_agrees(self, actions: list[str]) -> None:
        moment = self.clock + timedelta(days=0.5 + self.rng.random() * 6)
        if moment > self.generator.now:
            raise StepAfterNowError
        self.clock = moment
        for action in actions:
            self.draft.consents[action] = True
            self.draft.later.append((action, True, moment))

    def _override(self, transition: str, missing: list[str]) -> None:
        requested_at = self.at(1 + self.rng.random() * 4)
        self.clock = requested_at
        decided_at = self.at(self.rng.random() * 3)
        self.clock = decided_at
        first, second = self.draft.entity.focal_points
        if self.rng.random() < 0.5:
            first, second = second, first
        # Spread over the grounds by the day asked, drawing nothing from the random stream, so
        # the rest of the generated data stays as it was.
        ground = NAMED_OVERRIDE_GROUNDS[requested_at.day % len(NAMED_OVERRIDE_GROUNDS)].value
        self.unspent = OverrideDraft(
            transition, missing, first, requested_at, second, decided_at, ground
        )
        self.overrides.append(self.unspent)


class Generator:
    """Draws reports, their consents and their cases; deterministic for one seed and day."""

    def __init__(self, *, seed: int, now: datetime, entities: list[EntityProfile]) -> None:
        # Not a secret: the same seed must give the same benchmark data.
        self.rng = random.Random(seed)  # noqa: S311  # nosec B311  # reproducible data, not a secret
        self.now = now
        self.entities = entities
        self.entity_picker = Weighted({index: e.share for index, e in enumerate(entities)})
        self._midnights: dict[date, datetime] = {}
        # References: an affine bijection of the report's number onto the reference space,
        # unique by construction (random draws would collide among a million references).
        self.reference_space = len(ALPHABET) ** REFERENCE_SIZE
        self.reference_step = self._coprime_step()
        self.reference_offset = self.rng.randrange(self.reference_space)

    def _coprime_step(self) -> int:
        while True:
            step = self.rng.randrange(self.reference_space // 3, self.reference_space)
            if math.gcd(step, self.reference_space) == 1:
                return step

    def uuid(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128), version=4)

    def midnight(self, day: date) -> datetime:
        moment = self._midnights.get(day)
        if moment is None:
            moment = self._midnights[day] = midnight(day)
        return moment

    def office_time(self, day: date) -> datetime:
        return self.midnight(day) + timedelta(seconds=28800 + self.rng.random() * 36000)

    def reference(self, number: int) -> str:
        value = (number * self.reference_step + self.reference_offset) % self.reference_space
        symbols = []
        for _place in range(REFERENCE_SIZE):
            value, digit = divmod(value, len(ALPHABET))
            symbols.append(ALPHABET[digit])
        return "R-" + "".join(symbols)

    def ciphertext(self, plaintext_bytes: int) -> bytes:
        """Random bytes as long as the vault's ciphertext of that many bytes."""
        return FORMAT_AES256GCM + self.rng.randbytes(NONCE_BYTES + plaintext_bytes + GCM_TAG_BYTES)

    def measures(self) -> list[str]:
        first = MEASURES.pick(self.rng)
        if first == Measure.NONE:
            return [first]
        wanted = 1 + (self.rng.random() < 0.3) + (self.rng.random() < 0.05)
        chosen = {first}
        for _attempt in range(10):
            if len(chosen) >= wanted:
                break
            code = MEASURES.pick(self.rng)
            if code != Measure.NONE:
                chosen.add(code)
        return [code for code in Measure.values if code in chosen]

    # --- one report ----------------------------------------------------------------------

    def report(self, number: int, batch: Batch) -> tuple[ReportDraft, CaseStory | None]:
        rng = self.rng
        entity = self.entities[self.entity_picker.pick(rng)]
        day = entity.day(rng)
        location = LOCATIONS.pick(rng)
        category = CATEGORIES[location].pick(rng)
        route = (ROUTES_WHEN_SERIOUS if category in SERIOUS else ROUTES).pick(rng)
        channel = CHANNELS.pick(rng) if route == Route.INFORMAL else ""
        disclosure = DISCLOSURES.pick(rng)
        draft = ReportDraft(
            id=self.uuid(),
            entity=entity,
            submitted_on=day,
            submitted_at=self.midnight(day),
            category=category,
            route=route,
            channel=channel,
            consents={},
        )
        data_key = self.uuid()
        self._add_data_key(data_key, day, batch)
        batch.add(
            REPORTS,
            (
                draft.id,
                self.reference(number),
                f"{rng.getrandbits(256):064x}",
                data_key,
                entity.id,
                category,
                route,
                channel,
                location,
                ROLES.pick(rng),
                disclosure,
                # Generated stories are not about a person the witness could identify: their
                # formal steps follow the reporter's own consents.
                AffectedPersonIdentifiable.NOT_ASKED.value,
                day,
                *self._encrypted_columns(draft.id, disclosure),
            ),
        )
        intake = self._intake_consents(draft, disclosure)
        story = self._case(draft) if self._has_case(draft) else None
        self._statistics_change(draft)
        self._add_consents(draft, intake, batch)
        if story is not None:
            self._add_case(story, batch)
        return draft, story

    def _add_data_key(self, data_key: UUID, day: date, batch: Batch) -> None:
        batch.add(DATA_KEYS, (data_key, day))

    def _encrypted_columns(self, report_id: UUID, disclosure: str) -> tuple[bytes | None, ...]:
        """Narrative, incident date, identity, alleged perpetrator: random bytes of the
        vault's ciphertext's lengths (a subclass seals real text instead, ``sealed``)."""
        rng = self.rng
        narrative = min(NARRATIVE_MAX, max(40, int(rng.lognormvariate(math.log(700), 0.8))))
        identity = (
            self.sealed(Report, report_id, "identity", 40 + int(rng.random() * 80))
            if disclosure == IdentityDisclosure.CONFIDENTIAL
            else None
        )
        return (
            self.sealed(Report, report_id, "narrative", narrative),
            self.sealed(Report, report_id, "incident_date", 10) if rng.random() < 0.8 else None,
            identity,
            self.sealed(Report, report_id, "alleged_perpetrator", 30 + int(rng.random() * 120))
            if rng.random() < 0.85
            else None,
        )

    def sealed(
        self, model: type[models.Model], row_id: UUID, column: str, plaintext_bytes: int
    ) -> bytes:
        """What ``column`` of ``model``'s row ``row_id`` holds for that many bytes of text."""
        return self.ciphertext(plaintext_bytes)

    def _intake_consents(self, draft: ReportDraft, disclosure: str) -> list[tuple[str, bool]]:
        """The questions answered at intake, in the form's order (``ConsentAction``'s)."""
        answered = self._intake_questions(draft, disclosure)
        decisions = [
            (action, self.rng.random() < answered[action])
            for action in CONSENT_ORDER
            if action in answered
        ]
        draft.consents.update(decisions)
        return decisions

    def _intake_questions(self, draft: ReportDraft, disclosure: str) -> dict[str, float]:
        """Each question the reporter answered, with the chance the answer is yes."""
        rng = self.rng
        answered = {
            ConsentAction.CASE_REVIEW.value: 0.03 if draft.route == Route.RECORD_ONLY else 0.88,
            ConsentAction.STATISTICS.value: 0.8,
        }
        if draft.route == Route.INFORMAL:
            answered.update(dict.fromkeys(CHANNEL_CONSENTS[draft.channel], 0.8))
        if draft.route == Route.FORMAL:
            answered.update(dict.fromkeys(INVESTIGATION_CONSENTS, 0.8))
        if draft.route == Route.UNDECIDED and rng.random() < 0.3:
            answered[ConsentAction.FORMAL_INVESTIGATION.value] = 0.5
        if draft.route == Route.SUPPORT_ONLY or rng.random() < 0.2:
            answered[ConsentAction.SUPPORT_REFERRAL.value] = 0.9
        if draft.route in (Route.FORMAL, Route.INFORMAL) and rng.random() < 0.3:
            answered[ConsentAction.INTERIM_MEASURES.value] = 0.8
        if disclosure == IdentityDisclosure.CONFIDENTIAL and rng.random() < 0.7:
            answered[ConsentAction.IDENTITY_DISCLOSURE.value] = 0.6
        return answered

    def _statistics_change(self, draft: ReportDraft) -> None:
        """Now and then a reporter changes their mind about statistics, in the portal: about 3%
        of all reports withdraw it, a few who refused grant it."""
        granted = draft.consents[ConsentAction.STATISTICS]
        if self.rng.random() >= (0.0375 if granted else 0.03):
            return
        moment = draft.submitted_at + timedelta(days=self.rng.lognormvariate(math.log(40), 1.0))
        if moment <= self.now:
            draft.later.append((ConsentAction.STATISTICS.value, not granted, moment))

    def _add_consents(
        self, draft: ReportDraft, intake: list[tuple[str, bool]], batch: Batch
    ) -> None:
        decisions = [
            (action, granted, Consent.Source.INTAKE.value, draft.submitted_at)
            for action, granted in intake
        ]
        decisions += [
            (action, granted, Consent.Source.PORTAL.value, moment)
            for action, granted, moment in sorted(draft.later, key=lambda later: later[2])
        ]
        for position, (action, granted, source, moment) in enumerate(decisions, start=1):
            batch.add(CONSENTS, (self.uuid(), draft.id, action, granted, source, moment, position))

    # --- its case ------------------------------------------------------------------------

    @staticmethod
    def _has_case(draft: ReportDraft) -> bool:
        return bool(draft.consents[ConsentAction.CASE_REVIEW]) and draft.route != Route.RECORD_ONLY

    def _case(self, draft: ReportDraft) -> CaseStory:
        story = CaseStory(self, draft)
        try:
            if self._acknowledge(story):
                story.go(CaseState.ASSESSMENT.value, story.days(4))
                if self.rng.random() < 0.06:
                    story.go(CaseState.ON_HOLD.value, story.days(10))
                    story.go(CaseState.ASSESSMENT.value, story.days(45))
                ROUTE_PATHS[draft.route](story)
        except StepAfterNowError:
            pass
        return story

    def _acknowledge(self, story: CaseStory) -> bool:
        """Most cases are acknowledged within the promised days; some late, a few never (put on
        hold and closed without it)."""
        rng = self.rng
        chance = rng.random()
        if chance < 0.02:
            story.go(CaseState.ON_HOLD.value, story.days(40))
            reason = rng.choice(
                [
                    ClosureReason.WITHDRAWN_BY_REPORTER.value,
                    ClosureReason.OUTSIDE_JURISDICTION.value,
                ]
            )
            story.close(reason, story.days(30))
            return False
        if chance < 0.02 + story.draft.entity.lateness:
            delay = ACKNOWLEDGEMENT_DAYS + 1 + rng.expovariate(1 / 10)
        else:
            delay = min(ACKNOWLEDGEMENT_DAYS, rng.expovariate(1 / 2))
        story.go(CaseState.ACKNOWLEDGED.value, delay)
        return True

    def _add_case(self, story: CaseStory, batch: Batch) -> None:
        draft = story.draft
        batch.add(
            CASES,
            (
                story.id,
                draft.id,
                draft.entity.id,
                story.state,
                story.assigned_to,
                [],
                story.outcome,
                story.closure_reason,
                draft.submitted_at,
                draft.submitted_on + timedelta(days=ACKNOWLEDGEMENT_DAYS),
                story.acknowledged_at,
                story.feedback_due,
                story.formal_started_at,
                story.closed_at,
                draft.submitted_on,
            ),
        )
        for measure in story.measures:
            batch.add(MEASURE_ROWS, (story.id, measure, story.measures_on))
        for override in story.overrides:
            override_id = self.uuid()
            batch.add(
                OVERRIDES,
                (
                    override_id,
                    story.id,
                    override.transition,
                    override.consents,
                    override.ground,
                    self.sealed(
                        Override, override_id, "justification", 80 + int(self.rng.random() * 400)
                    ),
                    Override.Status.APPROVED.value,
                    override.requested_by,
                    override.requested_at,
                    override.decided_by,
                    override.decided_at,
                    override.used_at,
                ),
            )


# --- The paths a case takes after assessment, by route ----------------------------------------


def informal_path(story: CaseStory) -> None:
    rng = story.rng
    if not story.gate("start_informal", CHANNEL_CONSENTS[story.draft.channel]):
        reason = rng.choice(
            [ClosureReason.WITHDRAWN_BY_REPORTER.value, ClosureReason.REFERRED_ELSEWHERE.value]
        )
        story.close(reason, story.days(20))
        return
    story.go(CaseState.INFORMAL_RESOLUTION.value, story.days(12))
    chance = rng.random()
    if chance < 0.14:
        formal_path(story, days=40)
    elif chance < 0.24:
        story.close(ClosureReason.WITHDRAWN_BY_REPORTER.value, story.days(30))
    else:
        story.close(ClosureReason.RESOLVED_INFORMALLY.value, story.days(50))


def formal_path(story: CaseStory, days: float = 15) -> None:
    rng = story.rng
    if story.state == CaseState.ASSESSMENT and rng.random() < 0.08:
        reason = rng.choice(
            [ClosureReason.OUTSIDE_JURISDICTION.value, ClosureReason.REFERRED_ELSEWHERE.value]
        )
        story.close(reason, story.days(15))
        return
    if not story.gate("escalate_to_formal", FORMAL_CONSENTS):
        if story.state == CaseState.ASSESSMENT:
            story.close(ClosureReason.WITHDRAWN_BY_REPORTER.value, story.days(25))
        else:
            story.close(ClosureReason.RESOLVED_INFORMALLY.value, story.days(40))
        return
    story.go(CaseState.FORMAL_REVIEW.value, story.days(days))
    investigation(story)


def investigation(story: CaseStory) -> None:
    rng = story.rng
    if rng.random() < 0.07 or not story.gate("open_investigation", INVESTIGATION_CONSENTS):
        story.go(CaseState.ON_HOLD.value, story.days(30))
        reason = rng.choice(
            [ClosureReason.WITHDRAWN_BY_REPORTER.value, ClosureReason.OUTSIDE_JURISDICTION.value]
        )
        story.close(reason, story.days(30))
        return
    story.go(CaseState.INVESTIGATION.value, story.days(25))
    if rng.random() < 0.05:
        story.go(CaseState.ON_HOLD.value, story.days(80))
        story.close(ClosureReason.SUBJECT_SEPARATED_DURING_INVESTIGATION.value, story.days(20))
        return
    story.go(CaseState.FINDINGS.value, story.days(110, 0.5))
    substantiated = rng.random() < (0.55 if story.draft.category in SERIOUS else 0.42)
    story.outcome = (Outcome.SUBSTANTIATED if substantiated else Outcome.UNSUBSTANTIATED).value
    if not substantiated:
        story.close(ClosureReason.UNSUBSTANTIATED.value, story.days(10))
    elif rng.random() < 0.8:
        story.record_measures(story.go(CaseState.DISCIPLINARY.value, story.days(20)))
        story.close(ClosureReason.SUBSTANTIATED_MEASURES_TAKEN.value, story.days(60))
    else:
        story.close(ClosureReason.SUBSTANTIATED_MEASURES_TAKEN.value, story.days(15))
        story.record_measures(story.clock)


def support_path(story: CaseStory) -> None:
    reason = (
        ClosureReason.REFERRED_ELSEWHERE
        if story.rng.random() < 0.85
        else ClosureReason.WITHDRAWN_BY_REPORTER
    )
    story.close(reason.value, story.days(20))


def undecided_path(story: CaseStory) -> None:
    chance = story.rng.random()
    if chance < 0.2:
        informal_path(story)
    elif chance < 0.32:
        formal_path(story)
    else:
        reason = story.rng.choice(
            [
                ClosureReason.REFERRED_ELSEWHERE.value,
                ClosureReason.WITHDRAWN_BY_REPORTER.value,
                ClosureReason.OUTSIDE_JURISDICTION.value,
            ]
        )
        story.close(reason, story.days(35))


ROUTE_PATHS: dict[str, Callable[[CaseStory], None]] = {
    Route.INFORMAL.value: informal_path,
    Route.FORMAL.value: formal_path,
    Route.SUPPORT_ONLY.value: support_path,
    Route.UNDECIDED.value: undecided_path,
}


# --- The command -----------------------------------------------------------------------------


class Command(BaseCommand):
    # What a subclass generating more of the service's tables replaces (``bench``).
    tables: Sequence[Table] = TABLES
    generator_class: type[Generator] = Generator
    staff_prefix = STAFF_PREFIX
    chunk = CHUNK

    help = (
        "Fill the database with realistic entities, reports, consents and cases for "
        "benchmarking statistics, by bulk COPY (PostgreSQL only). Refuses with DEBUG off and "
        "when reports exist, unless --force, which first empties the report, case and "
        "statistics tables and removes the entities and staff an earlier run made."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reports", type=int, default=1_000_000, help="default 1000000")
        parser.add_argument(
            "--entities", type=int, default=30, help="default 30, the last two of them tiny"
        )
        parser.add_argument(
            "--years", type=int, default=5, help="default 5, ending in the current quarter"
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="the same seed gives the same rows (default 1)"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="run with DEBUG off, and replace every report, case and statistics release",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._refuse_unless_safe(force=options["force"])
        if options["reports"] < 1 or options["entities"] < 1 or options["years"] < 1:
            raise CommandError("--reports, --entities and --years must be at least 1.")
        stopwatch = Stopwatch()
        with transaction.atomic(), connection.cursor() as cursor:
            # Checked as each statement ends: a deferred check still pending on the staff table
            # would forbid altering the constraints that reference it.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if options["force"]:
                self._clear(cursor)
            profiles = self._entities(
                options["entities"], options["reports"], options["years"], options["seed"]
            )
            generator = self._generator(options, profiles)
            dropped = drop_for_load(cursor, self.tables)
            counts = self._load(cursor.cursor, generator, options["reports"])
            stopwatch.lap("generated and copied")
            restore_after_load(cursor, dropped)
            stopwatch.lap("indexes built and foreign keys checked")
        self._vacuum()
        stopwatch.lap("vacuumed and analysed")
        self._summary(counts, stopwatch)

    def _generator(self, options: dict[str, Any], profiles: list[EntityProfile]) -> Generator:
        return self.generator_class(
            seed=options["seed"], now=midnight(self._today()), entities=profiles
        )

    @staticmethod
    def _today() -> date:
        # UTC, as the intake dates a report.
        return datetime.now(tz=UTC).date()

    def _refuse_unless_safe(self, *, force: bool) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("generate_stats_data needs PostgreSQL (it loads with COPY).")
        if not settings.DEBUG and not force:
            raise CommandError(
                "generate_stats_data refuses to run with DEBUG off: it fills the database with "
                "made-up reports. Pass --force if this really is a benchmark database."
            )
        if force:
            return
        if (
            Report.objects.exists()
            or Entity.objects.filter(name__startswith=ENTITY_NAME_PREFIX).exists()
        ):
            raise CommandError(
                "The database already holds reports or generated entities. Pass --force to "
                "replace every report, case and statistics release."
            )

    def _clear(self, cursor: CursorWrapper) -> None:
        # The statistics tables are counted from the reports being replaced: keeping them would
        # publish numbers about reports that no longer exist.
        derived = [model._meta.db_table for model in apps.get_app_config("stats").get_models()]
        tables = [DataKey._meta.db_table, Report._meta.db_table, Case._meta.db_table, *derived]
        cursor.execute(
            sql.SQL("TRUNCATE {} CASCADE").format(
                sql.SQL(", ").join([sql.Identifier(table) for table in tables])
            )
        )
        self._remove_generated_staff()

    def _remove_generated_staff(self) -> None:
        User.objects.filter(username__startswith=self.staff_prefix).delete()
        Entity.objects.filter(name__startswith=ENTITY_NAME_PREFIX).delete()

    def _entities(self, count: int, reports: int, years: int, seed: int) -> list[EntityProfile]:
        rng = random.Random(f"entities-{seed}")  # noqa: S311  # nosec B311  # reproducible data, not a secret
        today = self._today()
        last = quarter_index(today)
        first = last - years * 4 + 1
        shares = entity_shares(count, reports, years * 4)
        width = max(2, len(str(count)))
        profiles = []
        for position, share in enumerate(shares):
            code = f"E{position + 1:0{width}d}"
            begins, ends, accepts = active_window(position, count, first, last)
            entity = Entity.objects.create(
                code=code,
                name=f"{ENTITY_NAME_PREFIX} {code}",
                accepts_reports=accepts,
                feedback_due_months=rng.choice([3, 3, 3, 3, 2, 6]),
            )
            days = days_between(quarter_start(begins), min(quarter_start(ends + 1) - DAY, today))
            weights = day_weights(rng, days, first)
            profiles.append(
                EntityProfile(
                    id=entity.pk,
                    code=code,
                    share=share,
                    days=days,
                    cumulative=list(accumulate(weights)),
                    focal_points=self._focal_points(entity),
                    feedback_due_months=entity.feedback_due_months,
                    pace=rng.lognormvariate(0, 0.25),
                    lateness=min(0.4, rng.lognormvariate(math.log(0.08), 0.6)),
                )
            )
        return profiles

    def _focal_points(self, entity: Entity) -> tuple[int, int]:
        staff = []
        for number in (1, 2):
            user = User(
                username=f"{self.staff_prefix}{entity.code.lower()}_{number}",
                role=Role.FOCAL_POINT,
                entity=entity,
            )
            # Nobody signs in as generated staff.
            user.set_unusable_password()
            staff.append(user)
        first, second = User.objects.bulk_create(staff)
        return first.pk, second.pk

    def _load(self, raw_cursor: Any, generator: Generator, reports: int) -> dict[Table, int]:
        counts = dict.fromkeys(self.tables, 0)
        for chunk_start in range(0, reports, self.chunk):
            batch = Batch(self.tables)
            for number in range(chunk_start, min(reports, chunk_start + self.chunk)):
                generator.report(number, batch)
            for table in self.tables:
                copy_rows(raw_cursor, table, batch.rows[table])
                counts[table] += len(batch.rows[table])
        return counts

    def _vacuum(self) -> None:
        # Statistics and the visibility map as autovacuum would leave them in production, so that
        # the planner's choices (index-only scans among them) are those of a settled database.
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(
                    sql.SQL("VACUUM (ANALYZE) {}").format(
                        sql.Identifier(table.model._meta.db_table)
                    )
                )

    def _summary(self, counts: Mapping[Table, int], stopwatch: Stopwatch) -> None:
        with connection.cursor() as cursor:
            for table in self.tables:
                name = table.model._meta.db_table
                cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [name])
                size = cursor.fetchone()[0]
                self.stdout.write(f"  {name:<20} {counts[table]:>12,} rows  {size:>10}")
        self.stdout.write(stopwatch.summary())


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def day_weights(rng: random.Random, days: Sequence[date], first_quarter: int) -> list[float]:
    """How likely a report is on each day: slowly more reports over the years, seasons, fewer at
    weekends, each quarter's own noise, and one awareness campaign quarter now and then."""
    quarters = {quarter_index(day) for day in days}
    noise = {quarter: rng.lognormvariate(0, 0.18) for quarter in quarters}
    if rng.random() < 0.5:
        noise[rng.choice(sorted(quarters))] *= 1.6
    return [
        (1 + 0.03 * (quarter_index(day) - first_quarter))
        * SEASON[day.month - 1]
        * WEEKDAY[day.weekday()]
        * noise[quarter_index(day)]
        for day in days
    ]


def midnight(day: date) -> datetime:
    """Midnight UTC: the only time the service records for what happens at submission."""
    return datetime.combine(day, clock_time(0), tzinfo=UTC)


class Stopwatch:
    def __init__(self) -> None:
        self.started = self.last = time.monotonic()
        self.laps: list[tuple[str, float]] = []

    def lap(self, what: str) -> None:
        now = time.monotonic()
        self.laps.append((what, now - self.last))
        self.last = now

    def summary(self) -> str:
        laps = ", ".join(f"{what} {seconds:.1f} s" for what, seconds in self.laps)
        return f"{self.last - self.started:.1f} s in all: {laps}."


# --- Loading ---------------------------------------------------------------------------------

# Indexes that no constraint stands behind.
_PLAIN_INDEXES = """
    SELECT index.relname, pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class index ON index.oid = i.indexrelid
    WHERE i.indrelid = ANY(%(tables)s::regclass[])
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
"""
# Primary keys and unique constraints of the tables, and every foreign key from or to them.
_CONSTRAINTS = """
    SELECT t.relname, k.conname, pg_get_constraintdef(k.oid)
    FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
    WHERE k.contype = %(kind)s
      AND (k.conrelid = ANY(%(tables)s::regclass[]) OR k.confrelid = ANY(%(tables)s::regclass[]))
"""


@dataclass(frozen=True)
class Dropped:
    """What ``drop_for_load`` dropped, in the order it is rebuilt."""

    keys: list[tuple[str, str, str]]  # (table, name, definition)
    indexes: list[tuple[str, str]]  # (name, definition)
    foreign_keys: list[tuple[str, str, str]]
    defaults: list[tuple[str, str]] = field(default_factory=list)  # (table, column)


def drop_for_load(cursor: CursorWrapper, tables: Sequence[Table]) -> Dropped:
    """Drop the tables' indexes and constraints (all but NOT NULL and checks) until
    ``restore_after_load``.

    Row by row, a million reports would update some fifty indexes, most of them keyed by random
    ids that scatter every insert over pages far larger than the server's buffers, and run a
    foreign-key check for every reference. Building each index once from sorted rows, and
    checking each key and foreign key once over the whole table, is several times faster. It
    all happens in the load's transaction: a load that fails leaves the schema as it was.
    """
    names = {"tables": [table.model._meta.db_table for table in tables]}
    found = {}
    for kind in ("f", "p", "u"):
        cursor.execute(_CONSTRAINTS, {**names, "kind": kind})
        found[kind] = list(cursor.fetchall())
    cursor.execute(_PLAIN_INDEXES, names)
    dropped = Dropped(
        keys=found["p"] + found["u"], indexes=list(cursor.fetchall()), foreign_keys=found["f"]
    )
    # Foreign keys first: they depend on the primary keys they reference.
    for table, name, _definition in dropped.foreign_keys + dropped.keys:
        cursor.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )
    for name, _definition in dropped.indexes:
        cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    for loaded in tables:
        dropped.defaults.extend(_default_unlisted_columns(cursor, loaded))
    return dropped


def _default_unlisted_columns(cursor: CursorWrapper, table: Table) -> list[tuple[str, str]]:
    """Give the database, for the load, the model's default of every required column the
    generator does not fill (one added after this command was written), as the ORM would."""
    listed = {name for name, _type in table.columns}
    defaulted = []
    for model_field in table.model._meta.concrete_fields:
        if (
            model_field.name in listed
            or model_field.null
            or model_field.unique
            # The database computes a generated column itself.
            or model_field.generated
            # A text column without a default gets "" from the ORM, as here.
            or not (model_field.has_default() or model_field.empty_strings_allowed)
            or not model_field.column
        ):
            continue
        value = model_field.get_db_prep_save(model_field.get_default(), connection)
        cursor.execute(
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(
                sql.Identifier(table.model._meta.db_table),
                sql.Identifier(model_field.column),
                sql.Literal(value),
            )
        )
        defaulted.append((table.model._meta.db_table, model_field.column))
    return defaulted


def restore_after_load(cursor: CursorWrapper, dropped: Dropped) -> None:
    """Rebuild what ``drop_for_load`` dropped, as the migrations defined it. Adding a key or a
    foreign key back checks every row: a duplicate or a dangling reference fails the load."""
    for table, column in dropped.defaults:
        cursor.execute(
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(
                sql.Identifier(table), sql.Identifier(column)
            )
        )
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for table, name, definition in dropped.keys:
        _add_constraint(cursor, table, name, definition)
    for _name, definition in dropped.indexes:
        cursor.execute(definition)
    for table, name, definition in dropped.foreign_keys:
        _add_constraint(cursor, table, name, definition)


def _add_constraint(cursor: CursorWrapper, table: str, name: str, definition: str) -> None:
    cursor.execute(
        sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
            sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
        )
    )


def copy_rows(cursor: Any, table: Table, rows: Iterable[tuple[Any, ...]]) -> None:
    with cursor.copy(table.statement()) as copy:
        copy.set_types(table.types)
        for row in rows:
            copy.write_row(row)
