"""The case: a report that its reporter allowed the organisation to review, and its state machine.

States, transitions and the consent each transition needs are the API contract's table. The
state field is protected (only a transition changes it) and saved with optimistic
concurrency: two simultaneous transitions on the same case give one success and one
``ConcurrentTransition``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from reports.vocabulary import ConsentAction as C
from reports.vocabulary import InformalChannel
from vault.fields import EncryptedField


class CaseState(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ASSESSMENT = "assessment", _("Assessment")
    INFORMAL_RESOLUTION = "informal_resolution", _("Informal resolution")
    FORMAL_REVIEW = "formal_review", _("Formal review")
    INVESTIGATION = "investigation", _("Investigation")
    FINDINGS = "findings", _("Findings")
    DISCIPLINARY = "disciplinary", _("Disciplinary process")
    ON_HOLD = "on_hold", _("On hold")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("Substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("Unsubstantiated")


class ClosureReason(models.TextChoices):
    RESOLVED_INFORMALLY = "resolved_informally", _("Resolved informally")
    SUBSTANTIATED_MEASURES_TAKEN = (
        "substantiated_measures_taken",
        _("Substantiated, measures taken"),
    )
    UNSUBSTANTIATED = "unsubstantiated", _("Unsubstantiated")
    WITHDRAWN_BY_REPORTER = "withdrawn_by_reporter", _("Withdrawn by the reporter")
    REFERRED_ELSEWHERE = "referred_elsewhere", _("Referred elsewhere")
    OUTSIDE_JURISDICTION = "outside_jurisdiction", _("Outside jurisdiction")


S = CaseState
OPEN_STATES = [state for state in S.values if state != S.CLOSED]
# Once one of these has been reached, a formal process has started: withdrawing case review
# no longer re-seals the report (the organisation has duties it must be able to discharge).
FORMAL_STATES = frozenset({S.FORMAL_REVIEW, S.INVESTIGATION, S.FINDINGS, S.DISCIPLINARY})

CHANNEL_CONSENTS: dict[str, tuple[str, ...]] = {
    InformalChannel.OMBUDSPERSON: (C.OMBUDSPERSON_REFERRAL,),
    InformalChannel.MEDIATION: (C.MEDIATION, C.CONTACT_ALLEGED_PERPETRATOR),
    InformalChannel.MANAGER_INTERVENTION: (C.CONTACT_ALLEGED_PERPETRATOR,),
}


class ConsentGate:
    """A named transition condition: the reporter's consents a transition needs.

    ``missing(case)`` says which are absent, which feeds ``blocked_transitions`` and the 409
    ``consent_required`` answer. Case review underlies every gated step: once withdrawn, no
    gated step runs, whatever else was granted. An approved override passes exactly the
    consents it was approved for, nothing more.
    """

    def __init__(self, transition_name: str, required: Callable[[Case], tuple[str, ...]]) -> None:
        self.transition_name = transition_name
        self.required = required
        self.__name__ = f"consent_gate_{transition_name}"

    def needed(self, case: Case) -> tuple[str, ...]:
        required = self.required(case)
        return required if C.CASE_REVIEW in required else (C.CASE_REVIEW, *required)

    def missing(self, case: Case) -> list[str]:
        consents = case.report.current_consents()
        overridden = case.overridden_consents(self.transition_name)
        return [
            action
            for action in self.needed(case)
            if not consents.get(action, False) and action not in overridden
        ]

    def __call__(self, case: Any) -> bool:
        return not self.missing(case)


def _fixed(*actions: str) -> Callable[[Case], tuple[str, ...]]:
    return lambda case: actions


def _channel_consents(case: Case) -> tuple[str, ...]:
    channel = case.report.informal_channel
    # Without a chosen channel there is nothing informal to consent to; assessment decides.
    return CHANNEL_CONSENTS.get(channel, (C.OMBUDSPERSON_REFERRAL,))


CONSENT_GATES: dict[str, ConsentGate] = {
    "acknowledge": ConsentGate("acknowledge", _fixed(C.CASE_REVIEW)),
    "begin_assessment": ConsentGate("begin_assessment", _fixed(C.CASE_REVIEW)),
    "start_informal": ConsentGate("start_informal", _channel_consents),
    "escalate_to_formal": ConsentGate("escalate_to_formal", _fixed(C.FORMAL_INVESTIGATION)),
    "open_investigation": ConsentGate(
        "open_investigation", _fixed(C.FORMAL_INVESTIGATION, C.CONTACT_ALLEGED_PERPETRATOR)
    ),
    "resume": ConsentGate("resume", _fixed(C.CASE_REVIEW)),
}


def _substantiated(case: Any) -> bool:
    return case.outcome == Outcome.SUBSTANTIATED


class Case(ConcurrentTransitionMixin, models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.OneToOneField("reports.Report", on_delete=models.PROTECT, related_name="case")
    # Copied from the report so that visibility filters and statistics need no join.
    entity = models.ForeignKey("accounts.Entity", on_delete=models.PROTECT, related_name="cases")
    state = FSMField(default=S.RECEIVED, choices=S.choices, protected=True, db_index=True)
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
        max_length=32, choices=ClosureReason.choices, blank=True, db_index=True
    )
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    acknowledgement_due = models.DateField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    feedback_due = models.DateField(null=True, blank=True, db_index=True)
    formal_started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["entity", "state"])]

    def __str__(self) -> str:
        return f"case {self.report.reference}"

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
        self.report.forget_consents()

    @property
    def formal_process_started(self) -> bool:
        return self.formal_started_at is not None

    # --- transitions: database changes only, side effects live in cases.services ------------
    @transition(
        field=state,
        source=S.RECEIVED,
        target=S.ACKNOWLEDGED,
        conditions=[CONSENT_GATES["acknowledge"]],
    )
    def acknowledge(self, **kwargs: Any) -> None:
        self._mark_acknowledged()

    def _mark_acknowledged(self) -> None:
        self.acknowledged_at = timezone.now()
        months = self.entity.feedback_due_months
        self.feedback_due = (self.acknowledged_at + relativedelta(months=months)).date()

    @transition(
        field=state,
        source=S.ACKNOWLEDGED,
        target=S.ASSESSMENT,
        conditions=[CONSENT_GATES["begin_assessment"]],
    )
    def begin_assessment(self, **kwargs: Any) -> None:
        pass

    @transition(
        field=state,
        source=[S.ASSESSMENT, S.ON_HOLD],
        target=S.INFORMAL_RESOLUTION,
        conditions=[CONSENT_GATES["start_informal"]],
    )
    def start_informal(self, **kwargs: Any) -> None:
        pass

    @transition(
        field=state,
        source=[S.ASSESSMENT, S.INFORMAL_RESOLUTION, S.ON_HOLD],
        target=S.FORMAL_REVIEW,
        conditions=[CONSENT_GATES["escalate_to_formal"]],
    )
    def escalate_to_formal(self, **kwargs: Any) -> None:
        if self.formal_started_at is None:
            self.formal_started_at = timezone.now()

    @transition(
        field=state,
        source=S.FORMAL_REVIEW,
        target=S.INVESTIGATION,
        conditions=[CONSENT_GATES["open_investigation"]],
    )
    def open_investigation(self, **kwargs: Any) -> None:
        pass

    @transition(field=state, source=S.INVESTIGATION, target=S.FINDINGS)
    def record_findings(self, *, outcome: str, **kwargs: Any) -> None:
        self.outcome = outcome

    @transition(field=state, source=S.FINDINGS, target=S.DISCIPLINARY, conditions=[_substantiated])
    def start_disciplinary(self, **kwargs: Any) -> None:
        pass

    @transition(field=state, source=[s for s in OPEN_STATES if s != S.ON_HOLD], target=S.ON_HOLD)
    def put_on_hold(self, **kwargs: Any) -> None:
        pass

    @transition(
        field=state, source=S.ON_HOLD, target=S.ASSESSMENT, conditions=[CONSENT_GATES["resume"]]
    )
    def resume(self, **kwargs: Any) -> None:
        if self.acknowledged_at is None:
            # Held before it was acknowledged: resuming into assessment acknowledges it now.
            self._mark_acknowledged()

    @transition(
        field=state,
        source=[S.ASSESSMENT, S.INFORMAL_RESOLUTION, S.FINDINGS, S.DISCIPLINARY, S.ON_HOLD],
        target=S.CLOSED,
    )
    def close(self, *, closure_reason: str, **kwargs: Any) -> None:
        self.closure_reason = closure_reason
        self.closed_at = timezone.now()


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


TRANSITION_NAMES = [
    "acknowledge",
    "begin_assessment",
    "start_informal",
    "escalate_to_formal",
    "open_investigation",
    "record_findings",
    "start_disciplinary",
    "put_on_hold",
    "resume",
    "close",
]
