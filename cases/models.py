"""The case: a report that its reporter allowed the organisation to review, and its state machine.

States, transitions and the consent each transition needs are the API contract's table, declared
once in ``cases.transitions``; the transitions below are built from that declaration (sources,
target, conditions, permission) and only say what each one changes in the database. The state
field is protected (only a transition changes it) and saved with optimistic concurrency: two
simultaneous transitions on the same case give one success and one ``ConcurrentTransition``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts.models import User
from cases.transitions import DECLARED
from cases.vocabulary import (
    CLOSURE_REASON_CHOICES,
    CaseState,
    InterimMeasureKind,
    Measure,
    Outcome,
    RetaliationRisk,
    RightsConcernKind,
    SystemClosureReason,
)
from reports.vocabulary import InformalChannel, OverrideGround
from vault.fields import EncryptedField

if TYPE_CHECKING:
    # mypy reads django-fsm-2's ConcurrentTransitionMixin as Any on Python 3.11 (the module
    # imports ``typing.override``, new in 3.12), and a model built on Any has every field Any.
    # Its parent mixin gives the checker the same model.
    from django_fsm import FSMModelMixin as ConcurrentTransitionMixin
else:
    from django_fsm import ConcurrentTransitionMixin


def declared_transition(field: FSMField) -> Callable[[Any], Any]:
    """django-fsm's ``transition`` for the method of the same name in ``cases.transitions``."""

    def decorate(method: Callable[..., None]) -> Any:
        step = DECLARED[method.__name__]
        # django-fsm types conditions and permissions as taking any model; these take a Case,
        # which is the only model they are ever given.
        return transition(
            field=field,
            source=list(step.sources),
            target=step.target,
            conditions=list(step.conditions),  # type: ignore[arg-type]
            permission=step.permission,  # type: ignore[arg-type]
        )(method)

    return decorate


# The queue's deadline of a case that has none left to meet.
NO_DEADLINE = date(9999, 12, 31)


class Case(ConcurrentTransitionMixin, models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.OneToOneField("reports.Report", on_delete=models.PROTECT, related_name="case")
    # Copied from the report so that visibility filters and statistics need no join.
    entity = models.ForeignKey("accounts.Entity", on_delete=models.PROTECT, related_name="cases")
    # Set when the subject is senior (issue 12): this entity's focal points handle the case,
    # outside the line of ``entity``, whose own focal points no longer see it. Statistics still
    # count it for ``entity``.
    handling_entity = models.ForeignKey(
        "accounts.Entity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="independently_handled_cases",
    )
    state = FSMField(
        default=CaseState.RECEIVED, choices=CaseState.choices, protected=True, db_index=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    # Colleagues of the same entity the case is shared with (absence cover, second opinion).
    shared_with = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="shared_cases"
    )
    investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="investigated_cases",
    )
    labels = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, db_index=True)
    closure_reason = models.CharField(
        max_length=40, choices=CLOSURE_REASON_CHOICES, blank=True, db_index=True
    )
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    acknowledgement_due = models.DateField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    feedback_due = models.DateField(null=True, blank=True, db_index=True)
    formal_started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The handler's assessment at acknowledgement (issue 12); blank until recorded.
    retaliation_risk = models.CharField(
        max_length=10, choices=RetaliationRisk.choices, blank=True, db_index=True
    )

    # Who wrote the conversation's last message ("staff" or "reporter", blank before any), kept
    # by the message services in the message's transaction: the queue's "waiting for the
    # reporter" is then a column, not a search of every case's messages.
    last_message_from = models.CharField(max_length=10, blank=True, default="")
    # The report's day of submission, copied so that the queue sorts by it without a join (set
    # on the first save; the report never changes it).
    submitted_on = models.DateField()
    # Derived by the database, so that every list seeks one index (issue 15). The entity whose
    # focal points handle the case: the independent one for a senior subject, else its own.
    queue_entity = models.GeneratedField(
        expression=Coalesce("handling_entity_id", "entity_id"),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )
    # The next deadline to meet: the acknowledgement until it is made, then the feedback. A case
    # with none left (closed) takes the last day there is, so it sorts after every open one
    # without a nullable key, whose keyset could not seek.
    queue_deadline = models.GeneratedField(
        expression=models.Case(
            models.When(state=CaseState.CLOSED, then=Value(NO_DEADLINE)),
            models.When(acknowledged_at__isnull=True, then=F("acknowledgement_due")),
            default=Coalesce("feedback_due", Value(NO_DEADLINE)),
            output_field=models.DateField(),
        ),
        output_field=models.DateField(),
        db_persist=True,
    )

    class Meta:
        indexes = [
            models.Index(fields=["entity", "state"]),
            # One per order of the lists (``cases.selectors``), each ending in the primary key
            # as the keyset's last key does; a backward scan serves the reverse order.
            models.Index(fields=["queue_entity", "-opened_at", "-id"], name="case_queue_newest"),
            models.Index(
                fields=["queue_entity", "queue_deadline", "submitted_on", "id"],
                name="case_queue_deadline",
            ),
            models.Index(
                fields=["queue_entity", "submitted_on", "opened_at", "id"],
                name="case_queue_received",
            ),
            # The open cases waiting for the reporter, in the queue's default order.
            models.Index(
                fields=["queue_entity", "queue_deadline", "submitted_on", "id"],
                condition=models.Q(last_message_from="staff") & ~models.Q(state=CaseState.CLOSED),
                name="case_queue_waiting",
            ),
            GinIndex(fields=["labels"], opclasses=["jsonb_path_ops"], name="case_labels"),
        ]

    def __str__(self) -> str:
        return f"case {self.report.reference}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.submitted_on is None:
            self.submitted_on = self.report.submitted_on
        super().save(*args, **kwargs)

    # --- consent and override context, loaded by the services -------------------------------
    def overridden_consents(self, transition_name: str) -> set[str]:
        """The consents an approved, unspent override lets this transition pass without."""
        cached: dict[str, set[str]] | None = getattr(self, "_overridden", None)
        if cached is None:
            cached = {}
            approved = self.overrides.filter(status="approved", used_at__isnull=True)
            for name, consents in approved.values_list("transition", "consents"):
                cached.setdefault(name, set()).update(consents)
            self._overridden = cached
        return cached.get(transition_name, set())

    def forget_context(self) -> None:
        self.__dict__.pop("_overridden", None)
        self.__dict__.pop("_manager_approved", None)
        self.report.forget_consents()

    @property
    def handler_entity_id(self) -> int:
        """The entity whose focal points handle the case."""
        return self.handling_entity_id or self.entity_id

    def manager_approved(self) -> bool:
        """Whether the reporter approved the manager proposed to intervene (issue 12)."""
        if self.report.informal_channel != InformalChannel.MANAGER_INTERVENTION:
            # No manager to approve on any other channel (and no query to ask).
            return False
        cached: bool | None = getattr(self, "_manager_approved", None)
        if cached is None:
            cached = self.manager_proposals.filter(status=ManagerProposal.Status.APPROVED).exists()
            self._manager_approved = cached
        return cached

    @property
    def formal_process_started(self) -> bool:
        return self.formal_started_at is not None

    def measure_codes(self) -> list[str]:
        """The measures recorded on the case, in the vocabulary's order."""
        recorded = set(self.measures.values_list("measure", flat=True))
        return [code for code in Measure.values if code in recorded]

    def _record_measures(self, measures: list[str]) -> None:
        # The measures a later step gives replace those an earlier one recorded (a disciplinary
        # process may end in other measures than it started with): the case holds the measures
        # as last decided, so "none" stays alone; the audit trail keeps what each step said.
        if not measures:
            return
        self.measures.exclude(measure__in=measures).delete()
        CaseMeasure.objects.bulk_create(
            [CaseMeasure(case=self, measure=measure) for measure in measures],
            ignore_conflicts=True,
        )

    # --- transitions: database changes only, side effects live in cases.services ------------
    # ``by``: the staff member running the transition (cases.services.transitions passes it).
    @declared_transition(state)
    def acknowledge(self, *, by: User | None = None, **kwargs: Any) -> None:
        self._mark_acknowledged()
        if self.assigned_to_id is None and by is not None:
            # Whoever acknowledges a case takes it on, until it is reassigned.
            self.assigned_to = by

    def _mark_acknowledged(self) -> None:
        self.acknowledged_at = timezone.now()
        months = self.entity.feedback_due_months
        self.feedback_due = (self.acknowledged_at + relativedelta(months=months)).date()

    @declared_transition(state)
    def begin_assessment(self, **kwargs: Any) -> None:
        pass

    @declared_transition(state)
    def start_informal(self, **kwargs: Any) -> None:
        pass

    @declared_transition(state)
    def escalate_to_formal(self, **kwargs: Any) -> None:
        if self.formal_started_at is None:
            self.formal_started_at = timezone.now()

    @declared_transition(state)
    def open_investigation(self, **kwargs: Any) -> None:
        pass

    @declared_transition(state)
    def record_findings(self, *, outcome: str, **kwargs: Any) -> None:
        self.outcome = outcome

    @declared_transition(state)
    def start_disciplinary(self, *, measures: list[str], **kwargs: Any) -> None:
        self._record_measures(measures)

    @declared_transition(state)
    def put_on_hold(self, **kwargs: Any) -> None:
        pass

    @declared_transition(state)
    def resume(self, **kwargs: Any) -> None:
        if self.acknowledged_at is None:
            # Held before it was acknowledged: resuming into assessment acknowledges it now.
            self._mark_acknowledged()

    @declared_transition(state)
    def close(
        self, *, closure_reason: str, measures: list[str] | None = None, **kwargs: Any
    ) -> None:
        self.closure_reason = closure_reason
        self.closed_at = timezone.now()
        # ``measures`` is only given after substantiated findings (``cases.transitions``).
        self._record_measures(measures or [])

    @declared_transition(state)
    def close_shredded(self, **kwargs: Any) -> None:
        # Not the ``close`` transition: that one is staff's, takes their reason and starts from
        # fewer states. A shredded report's case closes from wherever it stood.
        self.closure_reason = SystemClosureReason.SHREDDED
        self.closed_at = timezone.now()


class CaseMeasure(models.Model):
    """A measure taken after substantiated findings, one row per measure.

    A row per code rather than a list on the case: one plain, indexed categorical column that
    statistics can count and group by on every database the project runs on (an ``ArrayField``
    is PostgreSQL's only, the demo runs on SQLite; a JSON list cannot be indexed per code
    portably), and that the database itself keeps free of duplicates.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measures")
    measure = models.CharField(max_length=24, choices=Measure.choices)
    # A date, not a time: enough for quarterly statistics, no finer trace of the staff's day.
    recorded_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "measure"], name="case_measure_once"),
        ]
        indexes = [models.Index(fields=["measure"], name="case_measure_code")]

    def __str__(self) -> str:
        return f"{self.measure} on {self.case_id}"


class InterimMeasure(models.Model):
    """A protective measure in place while the case runs, one row per measure, recorded only
    with the reporter's ``interim_measures`` consent (``cases.services.retaliation``)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="interim_measures")
    measure = models.CharField(max_length=32, choices=InterimMeasureKind.choices, db_index=True)
    recorded_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "measure"], name="interim_measure_once"),
        ]

    def __str__(self) -> str:
        return f"{self.measure} on {self.case_id}"


class Override(models.Model):
    """Four eyes past a missing consent: one staff member asks, a different one approves."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="overrides")
    transition = models.CharField(max_length=32)
    # The consents that were missing when it was requested: the only ones it lets pass.
    consents = models.JSONField(default=list)
    # One of the listed grounds: a plain, indexed column, since the transparency report counts
    # overrides by ground. Overrides from before grounds existed name none, and say so.
    ground = models.CharField(
        max_length=24,
        choices=OverrideGround.choices,
        default=OverrideGround.NOT_NAMED,
        db_index=True,
    )
    # Staff prose about the case: encrypted under the report's data key like everything else.
    justification = EncryptedField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # An approved override is spent by the one transition it allowed.
    used_at = models.DateTimeField(null=True, blank=True)
    # When the reporter was told (ground and justification). The approver may defer that notice
    # where telling would itself endanger someone (the reason kept, encrypted); it is then
    # given when a staff member records that it is safe (``override_notice_give``).
    notice_given_at = models.DateTimeField(null=True, blank=True)
    notice_given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice_deferred_at = models.DateTimeField(null=True, blank=True)
    notice_deferral_reason = EncryptedField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | ~models.Q(decided_by=models.F("requested_by")),
                name="override_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"override of {self.transition} ({self.status})"

    @property
    def notice_pending(self) -> bool:
        """Approved with its notice deferred, and not yet given to the reporter."""
        return self.notice_deferred_at is not None and self.notice_given_at is None


class InternalNote(models.Model):
    """A note between staff, encrypted, never shown to the reporter."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = EncryptedField()
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["written_at"]

    def __str__(self) -> str:
        return f"note on {self.case_id}"


class Reassignment(models.Model):
    """Four eyes before a case changes hands while the reporter's identity is withheld.

    The assigned focal point reads the reporter's name; anyone else needs the reporter's
    ``identity_disclosure`` consent. Without it, taking over the case (or being handed it) would
    be a way round that consent, so a second person approves first, as with overrides.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        LAPSED = "lapsed", _("Lapsed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reassignments")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Who held the case when this was asked: an approval after it changed hands lapses.
    previous = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"reassignment of {self.case_id}"


class RightsConcern(models.Model):
    """A victims' rights advocate's concern that the handling of a case does not respect the
    reporter's rights (issue 12). It reaches the entity's senior focal point once per kind:
    raising the same kind again changes nothing. Statistics count it by quarter and entity."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="rights_concerns")
    kind = models.CharField(max_length=24, choices=RightsConcernKind.choices, db_index=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="rights_concern_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"rights concern {self.kind} on {self.case_id}"


class ManagerProposal(models.Model):
    """The manager a focal point proposes to intervene (informal channel
    ``manager_intervention``): nothing is sent until the reporter approves them (issue 12).

    The name is staff prose about the case: encrypted under the report's data key, which the
    reporter's session also holds, so the reporter reads it in the portal.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the reporter")
        APPROVED = "approved", _("Approved by the reporter")
        REFUSED = "refused", _("Refused by the reporter")
        REPLACED = "replaced", _("Replaced by a later proposal")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="manager_proposals")
    name = EncryptedField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    # The reporter's answer carries the day only, like everything the reporter does.
    decided_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["proposed_at"]

    def __str__(self) -> str:
        return f"manager proposal ({self.status})"


class ReadingKeyWait(models.Model):
    """A reader by the rules opened the case without holding its key (issue 14): the next
    colleague who holds it and opens the case passes it on (``cases.readers``). Deleted then."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reading_key_waits")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="one_wait_per_reader_and_case"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} waits for the key of {self.case_id}"
