"""Every transition of the case, declared once: the API contract's table, as data.

For each transition this says where it may start and where it ends, which consents of the
reporter it needs, who may run it (a predicate of ``accounts.policy``), which other conditions
must hold, what it takes as arguments, how the reporter is told, and what the staff see when it
is blocked. Everything else follows from it:

- ``cases.models.Case`` builds its django-fsm transitions from it (sources, target, conditions,
  permission), so the state machine cannot drift from it; ``SYSTEM_TRANSITIONS`` adds the one
  step the service takes by itself (closing the case of a shredded report);
- ``cases.services.transitions.case_transition`` checks, validates and runs a transition by it;
- ``cases.api.TransitionSerializer`` takes every declared argument (``ARGUMENTS``) from the body;
- ``cases.selectors.allowed_and_blocked_transitions`` lists them by it (the API's
  ``allowed_transitions``/``blocked_transitions`` and the staff page's buttons);
- the staff case page draws each transition's argument fields and blocked reasons from it.

``tests/cases/test_transitions.py`` checks the model, the contract's table and this
declaration agree.

A case here is anything with the fields read (``TransitionCase``; ``cases.models.Case`` in
practice): the model is built from this module, so this module cannot import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeAlias

from django.db import models
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import policy
from accounts.models import User
from cases.errors import CaseInputError, CaseShreddedError
from cases.vocabulary import OPEN_STATES, CaseState, ClosureReason, Measure, Outcome
from reports.models import Report
from reports.vocabulary import (
    AFFECTED_PERSON_CONSENT,
    ConsentAction,
    InformalChannel,
    Route,
    TimelineEvent,
)

if TYPE_CHECKING:
    # Type-checking only: django-stubs-ext is a development dependency.
    from django_stubs_ext import StrOrPromise

# A policy predicate: may this staff member do this to this case?
CasePredicate: TypeAlias = Callable[[User, "TransitionCase"], bool]


class TransitionCase(policy.CaseFacts, Protocol):
    """What the transitions read of a case."""

    @property
    def report(self) -> Report: ...

    @property
    def outcome(self) -> str: ...

    def overridden_consents(self, transition_name: str) -> set[str]: ...

    def manager_approved(self) -> bool: ...


# --- Conditions that can say why they fail ----------------------------------------------------


class TransitionCheck:
    """A named condition of a transition that can say why it fails.

    The same object is the django-fsm condition, the ``reason`` code of a
    ``blocked_transitions`` entry, and the sentence the staff page shows for it.
    """

    reason: ClassVar[str]

    def blocks(self, case: TransitionCase) -> list[str] | None:
        """``None`` when the check passes; otherwise the reporter's consents it lacks (a consent
        gate's) or an empty list (any other check)."""
        raise NotImplementedError

    def __call__(self, case: TransitionCase) -> bool:
        return self.blocks(case) is None

    def blocked_words(self, missing_labels: list[str]) -> str:
        """What the staff page says when this check blocks the transition."""
        raise NotImplementedError


def consent_needed_words(purposes: list[str]) -> str:
    """The staff pages' one sentence for missing consents; ``purposes`` are the consents'
    purposes (``reports.vocabulary.consent_purposes``), which read as the object of "consent
    to"."""
    return _("This step needs the reporter's consent to %(what)s.") % {
        "what": get_text_list(purposes, _("and"))
    }


class ConsentGate(TransitionCheck):
    """The reporter's consents a transition needs.

    ``missing(case)`` says which are absent, which feeds ``blocked_transitions`` and the 409
    ``consent_required`` answer. Case review underlies every gated step: once withdrawn, no
    gated step runs, whatever else was granted. An approved override passes exactly the
    consents it was approved for, nothing more.

    The consents are ``consents``, or, for a step whose consents depend on the informal channel
    the reporter chose, ``by_channel[channel]`` (``consents`` when no known channel was chosen).
    """

    reason = "consent_required"

    def __init__(
        self,
        transition_name: str,
        consents: tuple[str, ...],
        by_channel: Mapping[str, tuple[str, ...]] | None = None,
        *,
        about_the_affected_person: bool = False,
    ) -> None:
        self.transition_name = transition_name
        self.consents = consents
        self.by_channel = dict(by_channel or {})
        # A formal step about the person it happened to: when a witness reported and that
        # person can be identified, the witness's consents cover only the witness; the step
        # also needs the affected person's own (``AFFECTED_PERSON_CONSENT``, issue 12).
        self.about_the_affected_person = about_the_affected_person
        self.__name__ = f"consent_gate_{transition_name}"

    def required(self, case: TransitionCase) -> tuple[str, ...]:
        if self.by_channel:
            return self.by_channel.get(case.report.informal_channel, self.consents)
        return self.consents

    def needed(self, case: TransitionCase) -> tuple[str, ...]:
        required = self.required(case)
        return (
            required
            if ConsentAction.CASE_REVIEW in required
            else (ConsentAction.CASE_REVIEW, *required)
        )

    def missing(self, case: TransitionCase) -> list[str]:
        consents = case.report.current_consents()
        overridden = case.overridden_consents(self.transition_name)
        missing = [
            action
            for action in self.needed(case)
            if not consents.get(action, False) and action not in overridden
        ]
        if AFFECTED_PERSON_CONSENT not in overridden and self.affected_person_withholds(case):
            missing.append(AFFECTED_PERSON_CONSENT)
        return missing

    def affected_person_withholds(self, case: TransitionCase) -> bool:
        """Whether the step is about an identifiable affected person who has not agreed to it
        through their own linked report (or has not come forward)."""
        if not (self.about_the_affected_person and case.report.about_an_identifiable_person):
            return False
        theirs = case.report.affected_person_consents()
        return theirs is None or not all(theirs.get(action) for action in self.needed(case))

    def blocks(self, case: TransitionCase) -> list[str] | None:
        return self.missing(case) or None

    def blocked_words(self, missing_labels: list[str]) -> str:
        return consent_needed_words(missing_labels)


class FindingsSubstantiated(TransitionCheck):
    """A disciplinary process follows substantiated findings only."""

    reason = "outcome_not_substantiated"

    def __init__(self) -> None:
        self.__name__ = "findings_substantiated"

    def blocks(self, case: TransitionCase) -> list[str] | None:
        return None if case.outcome == Outcome.SUBSTANTIATED else []

    def blocked_words(self, missing_labels: list[str]) -> str:
        return _("Blocked: the findings must be substantiated.")


class ManagerApproved(TransitionCheck):
    """A manager's intervention starts only once the reporter approved the manager proposed
    (``cases.services.managers``, issue 12). Not a consent: no override passes it, since the
    person who would act is the reporter's to accept."""

    reason = "manager_not_approved"

    def __init__(self) -> None:
        self.__name__ = "manager_approved"

    def blocks(self, case: TransitionCase) -> list[str] | None:
        if case.report.informal_channel != InformalChannel.MANAGER_INTERVENTION:
            return None
        return None if case.manager_approved() else []

    def blocked_words(self, missing_labels: list[str]) -> str:
        return _(
            "Blocked: the reporter has not approved a manager to intervene. Propose one below; "
            "nothing is sent until the reporter approves them."
        )


class ReportNotShredded(TransitionCheck):
    """The report was not crypto-shredded.

    Once it is, its case is closed (``close_shredded``) and takes nothing more: no step, and
    no message, note, referral or override either (the services refuse those with the same
    check). The refusal is the 409 ``shredded`` answer, ``refusal()``.
    """

    reason = "shredded"

    def __init__(self) -> None:
        self.__name__ = "report_not_shredded"

    def blocks(self, case: TransitionCase) -> list[str] | None:
        return [] if case.report.is_shredded else None

    def blocked_words(self, missing_labels: list[str]) -> str:
        return _("Blocked: the report was shredded.")

    def refuse_if_blocked(self, case: TransitionCase) -> None:
        """Raise the 409 ``shredded`` answer when the case's report was shredded."""
        if self.blocks(case) is not None:
            raise CaseShreddedError


REPORT_NOT_SHREDDED = ReportNotShredded()


# --- Arguments -------------------------------------------------------------------------------


# What an argument is once validated: one code, or a list of codes.
ArgumentValue: TypeAlias = str | list[str]


@dataclass(frozen=True)
class Argument:
    """A code a transition takes from the request body or the staff page's form.

    By default one code, required (a select on the staff page). With ``many``, an optional list
    of codes (checkboxes): ``alone`` names the codes that exclude every other, and ``only_when``
    the condition under which the transitions that declare it take it at all.
    """

    name: str
    choices: type[models.TextChoices]
    label: StrOrPromise  # the form field's label on the staff page
    missing_words: StrOrPromise  # the validation message; ``%(codes)s`` lists the choices
    many: bool = False
    alone: tuple[str, ...] = ()
    alone_words: StrOrPromise = ""  # ``%(code)s`` is the code given with others
    only_when: TransitionCheck | None = None
    not_taken_words: StrOrPromise = ""  # when sent where it is not taken

    @property
    def options(self) -> list[tuple[str, str]]:
        """(code, label) pairs, for the staff page's select or checkboxes."""
        return [(code, str(label)) for code, label in self.choices.choices]

    @property
    def refused_where_not_taken(self) -> bool:
        """A list of codes sent to a step that does not take it is refused, not ignored: what it
        records (measures taken) would otherwise be lost without anyone noticing. A single code
        keeps being ignored there: the contract has always let clients send ``outcome`` and
        ``closure_reason`` with any transition."""
        return self.many

    def taken_by(self, case: TransitionCase) -> bool:
        return self.only_when is None or self.only_when(case)

    def clean(self, value: object) -> ArgumentValue:
        if self.many:
            return self._clean_codes(value)
        if not isinstance(value, str) or value not in self.choices.values:
            raise self._invalid(str(self.missing_words) % {"codes": self._codes()})
        return value

    def refuse_here(self) -> CaseInputError:
        return self._invalid(str(self.not_taken_words))

    def _clean_codes(self, value: object) -> list[str]:
        if value is None or value == "":
            return []
        if not isinstance(value, list | tuple) or not all(isinstance(c, str) for c in value):
            raise self._invalid(str(self.missing_words) % {"codes": self._codes()})
        if any(code not in self.choices.values for code in value):
            raise self._invalid(str(self.missing_words) % {"codes": self._codes()})
        given = set(value)
        for code in self.alone:
            if code in given and len(given) > 1:
                raise self._invalid(str(self.alone_words) % {"code": code})
        # In the vocabulary's order, each once: the same answer however the form sent them.
        return [code for code in self.choices.values if code in given]

    def _codes(self) -> str:
        return ", ".join(self.choices.values)

    def _invalid(self, message: str) -> CaseInputError:
        return CaseInputError({self.name: [message]})


OUTCOME = Argument(
    name="outcome",
    choices=Outcome,
    label=gettext_lazy("Outcome"),
    missing_words=gettext_lazy("Give the outcome: one of %(codes)s."),
)
CLOSURE_REASON = Argument(
    name="closure_reason",
    choices=ClosureReason,
    label=gettext_lazy("Closure reason"),
    missing_words=gettext_lazy("Give the closure reason: one of %(codes)s."),
)
# The contract: measures are sent with ``start_disciplinary``, and with ``close`` after
# substantiated findings. Both steps declare this one argument; its condition keeps it to
# substantiated findings wherever it is declared.
MEASURES = Argument(
    name="measures",
    choices=Measure,
    label=gettext_lazy("Measures taken"),
    missing_words=gettext_lazy("Give the measures as a list of codes from %(codes)s."),
    many=True,
    alone=(Measure.NONE,),
    alone_words=gettext_lazy("“%(code)s” cannot be given with other measures."),
    only_when=FindingsSubstantiated(),
    not_taken_words=gettext_lazy(
        "Measures are recorded only when a disciplinary process starts or a case with "
        "substantiated findings is closed."
    ),
)


# --- The declaration -------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockedTransition:
    """A transition its runner may not start now, and the condition that says why."""

    name: str
    check: TransitionCheck
    missing: list[str]

    def entry(self) -> dict[str, Any]:
        """The API's ``blocked_transitions`` entry."""
        return {"name": self.name, "missing": self.missing, "reason": self.check.reason}

    def words(self, missing_labels: list[str]) -> str:
        """What the staff page says (the missing consents named in the reporter's words)."""
        return self.check.blocked_words(missing_labels)


@dataclass(frozen=True)
class Transition:
    name: str
    # What staff pages call it (never the code).
    label: StrOrPromise
    sources: tuple[CaseState, ...]
    target: CaseState
    # Who may run it: a predicate of accounts.policy, the only place roles are named.
    may_run: CasePredicate
    # The reporter's consents it needs (``None``: none, not even case review).
    consent_gate: ConsentGate | None = None
    # Other conditions, checked after the consents and the arguments.
    checks: tuple[TransitionCheck, ...] = ()
    # The codes it takes. Every transition also takes an optional ``note``, kept as an internal
    # note with the move, so no declaration lists it.
    arguments: tuple[Argument, ...] = ()
    # How the reporter is told that two staff members went ahead without their consent.
    reporter_step: StrOrPromise | None = None
    # The reporter's timeline gets this event; its words are the new state's status label.
    timeline_event: TimelineEvent = TimelineEvent.TRANSITION
    # Whether it needs a report that was not shredded: every step of the contract's table does;
    # only the step that closes a shredded report's case does not.
    needs_report: bool = True
    # The reporter's routes this step goes against (starting formal when they chose informal):
    # the staff page says so, and asks for a confirmation, before it runs.
    against_routes: tuple[str, ...] = ()
    # The staff page asks for a written note and a confirmation before it runs (closing).
    page_confirms: bool = False

    def goes_against(self, route: str) -> bool:
        return route in self.against_routes

    def page_needs_confirmation(self, route: str) -> bool:
        """Whether the staff page asks "are you sure?" before running it for this route."""
        return self.page_confirms or self.goes_against(route)

    @property
    def conditions(self) -> list[TransitionCheck]:
        """The django-fsm conditions, in the order they are checked."""
        return [
            *([REPORT_NOT_SHREDDED] if self.needs_report else []),
            *([self.consent_gate] if self.consent_gate else []),
            *self.checks,
        ]

    def permission(self, case: TransitionCase, user: User) -> bool:
        """The django-fsm permission (``has_transition_perm``): the policy's predicate."""
        return self.may_run(user, case)

    def possible_from(self, state: str) -> bool:
        return state in self.sources

    def arguments_for(self, case: TransitionCase) -> tuple[Argument, ...]:
        """The arguments it takes from this case now (the staff page's fields)."""
        return tuple(argument for argument in self.arguments if argument.taken_by(case))

    def clean_arguments(
        self, given: Mapping[str, object], case: TransitionCase
    ) -> dict[str, ArgumentValue]:
        """The arguments it takes from this case now, validated; raises ``CaseInputError``, also
        for a list of codes given where it is not taken (``Argument.refused_where_not_taken``)."""
        taken = self.arguments_for(case)
        for argument in ARGUMENTS.values():
            given_here = given.get(argument.name)
            if given_here and argument.refused_where_not_taken and argument not in taken:
                raise argument.refuse_here()
        return {argument.name: argument.clean(given.get(argument.name, "")) for argument in taken}

    def blocked_by(self, case: TransitionCase) -> BlockedTransition | None:
        """The first declared condition that blocks it now; ``None`` when none does."""
        for check in self.conditions:
            missing = check.blocks(case)
            if missing is not None:
                return BlockedTransition(name=self.name, check=check, missing=missing)
        return None


class AffectedPersonDisclosure(TransitionCheck):
    """Sharing a witness's report about an identifiable person beyond the focal points.

    A witness's account names the person it happened to, and the witness's consents cover only
    the witness. Beyond the focal points handling the case (an ombudsperson, an investigator,
    a victims' rights advocate), nobody reads what the witness wrote, their messages or their
    files unless the affected person consents to their name being shared beyond the focal point
    (``identity_disclosure``, in their own report, linked to the witness's one with their
    agreement), or two people approved an override on a listed ground (issue 12, item 2).

    Not a transition: a standing permission, so an override approved for it is never spent.
    It is overridden like one, by its ``name``, and so looks like a transition to the override
    services (``OverridableStep``).
    """

    reason = "consent_required"
    name = "identity_disclosure"
    label = gettext_lazy("Share the report beyond the focal points")
    reporter_step = gettext_lazy(
        "sharing your report beyond the focal points (with an ombudsperson, an investigator or "
        "a victims' rights advocate)"
    )

    def __init__(self) -> None:
        self.__name__ = "affected_person_disclosure"

    @property
    def consent_gate(self) -> AffectedPersonDisclosure:
        return self

    def possible_from(self, state: str) -> bool:
        return state in OPEN_STATES

    def missing(self, case: TransitionCase) -> list[str]:
        report = case.report
        if not report.about_an_identifiable_person:
            return []
        theirs = report.affected_person_consents() or {}
        if theirs.get(ConsentAction.CASE_REVIEW) and theirs.get(ConsentAction.IDENTITY_DISCLOSURE):
            return []
        if AFFECTED_PERSON_CONSENT in case.overridden_consents(self.name):
            return []
        return [AFFECTED_PERSON_CONSENT]

    def shared(self, case: TransitionCase) -> bool:
        """Whether readers beyond the focal points may read the report's content."""
        return not self.missing(case)

    def blocks(self, case: TransitionCase) -> list[str] | None:
        return self.missing(case) or None

    def blocked_words(self, missing_labels: list[str]) -> str:
        return _(
            "The report is a witness's account of someone who can be identified: beyond the "
            "focal points, it is shared only with that person's own consent to share their name, "
            "or with an override on a listed ground."
        )


AFFECTED_PERSON_DISCLOSURE = AffectedPersonDisclosure()


# The routes a step goes against: what the reporter asked for is not what it starts.
NOT_INFORMAL = (Route.FORMAL, Route.SUPPORT_ONLY, Route.RECORD_ONLY)
NOT_FORMAL = (Route.INFORMAL, Route.SUPPORT_ONLY, Route.RECORD_ONLY)

CHANNEL_CONSENTS: dict[str, tuple[str, ...]] = {
    InformalChannel.OMBUDSPERSON: (ConsentAction.OMBUDSPERSON_REFERRAL,),
    InformalChannel.MEDIATION: (ConsentAction.MEDIATION, ConsentAction.CONTACT_ALLEGED_PERPETRATOR),
    InformalChannel.MANAGER_INTERVENTION: (ConsentAction.CONTACT_ALLEGED_PERPETRATOR,),
}

_DECLARED = (
    Transition(
        name="acknowledge",
        label=gettext_lazy("Acknowledge the report"),
        sources=(CaseState.RECEIVED,),
        target=CaseState.ACKNOWLEDGED,
        may_run=policy.may_run_case_steps,
        consent_gate=ConsentGate("acknowledge", (ConsentAction.CASE_REVIEW,)),
        reporter_step=gettext_lazy("acknowledging your report"),
    ),
    Transition(
        name="begin_assessment",
        label=gettext_lazy("Begin the assessment"),
        sources=(CaseState.ACKNOWLEDGED,),
        target=CaseState.ASSESSMENT,
        may_run=policy.may_run_case_steps,
        consent_gate=ConsentGate("begin_assessment", (ConsentAction.CASE_REVIEW,)),
        reporter_step=gettext_lazy("assessing your report"),
    ),
    Transition(
        name="start_informal",
        label=gettext_lazy("Start an informal resolution"),
        sources=(CaseState.ASSESSMENT, CaseState.ON_HOLD),
        target=CaseState.INFORMAL_RESOLUTION,
        may_run=policy.may_run_case_steps,
        # Without a chosen channel there is nothing informal to consent to; assessment decides.
        consent_gate=ConsentGate(
            "start_informal", (ConsentAction.OMBUDSPERSON_REFERRAL,), by_channel=CHANNEL_CONSENTS
        ),
        reporter_step=gettext_lazy("an informal resolution"),
        against_routes=NOT_INFORMAL,
        checks=(ManagerApproved(),),
    ),
    Transition(
        name="escalate_to_formal",
        label=gettext_lazy("Escalate to a formal review"),
        sources=(CaseState.ASSESSMENT, CaseState.INFORMAL_RESOLUTION, CaseState.ON_HOLD),
        target=CaseState.FORMAL_REVIEW,
        may_run=policy.may_run_case_steps,
        consent_gate=ConsentGate(
            "escalate_to_formal",
            (ConsentAction.FORMAL_INVESTIGATION,),
            about_the_affected_person=True,
        ),
        reporter_step=gettext_lazy("a formal review"),
        against_routes=NOT_FORMAL,
    ),
    Transition(
        name="open_investigation",
        label=gettext_lazy("Open an investigation"),
        sources=(CaseState.FORMAL_REVIEW,),
        target=CaseState.INVESTIGATION,
        may_run=policy.may_run_case_steps,
        consent_gate=ConsentGate(
            "open_investigation",
            (ConsentAction.FORMAL_INVESTIGATION, ConsentAction.CONTACT_ALLEGED_PERPETRATOR),
            about_the_affected_person=True,
        ),
        reporter_step=gettext_lazy("an investigation"),
        against_routes=NOT_FORMAL,
    ),
    Transition(
        name="record_findings",
        label=gettext_lazy("Record the findings"),
        sources=(CaseState.INVESTIGATION,),
        target=CaseState.FINDINGS,
        may_run=policy.may_record_findings,
        arguments=(OUTCOME,),
    ),
    Transition(
        name="start_disciplinary",
        label=gettext_lazy("Start a disciplinary process"),
        sources=(CaseState.FINDINGS,),
        target=CaseState.DISCIPLINARY,
        may_run=policy.may_run_case_steps,
        checks=(FindingsSubstantiated(),),
        arguments=(MEASURES,),
    ),
    Transition(
        name="put_on_hold",
        label=gettext_lazy("Put on hold"),
        sources=tuple(state for state in OPEN_STATES if state != CaseState.ON_HOLD),
        target=CaseState.ON_HOLD,
        may_run=policy.may_run_case_steps,
    ),
    Transition(
        name="resume",
        label=gettext_lazy("Resume"),
        sources=(CaseState.ON_HOLD,),
        target=CaseState.ASSESSMENT,
        may_run=policy.may_run_case_steps,
        consent_gate=ConsentGate("resume", (ConsentAction.CASE_REVIEW,)),
        reporter_step=gettext_lazy("resuming your case"),
    ),
    Transition(
        name="close",
        label=gettext_lazy("Close the case"),
        sources=(
            CaseState.ASSESSMENT,
            CaseState.INFORMAL_RESOLUTION,
            CaseState.FINDINGS,
            CaseState.DISCIPLINARY,
            CaseState.ON_HOLD,
        ),
        target=CaseState.CLOSED,
        may_run=policy.may_run_case_steps,
        arguments=(CLOSURE_REASON, MEASURES),
        page_confirms=True,
    ),
)

# In the contract's order, which is also the order steps are offered in.
TRANSITIONS: dict[str, Transition] = {transition.name: transition for transition in _DECLARED}
# Steps the service takes by itself, an extension of the contract's table: never offered to
# staff, never run through the API or the staff pages (``case_transition`` knows only
# ``TRANSITIONS``), audited like the others by the service that runs them.
SYSTEM_TRANSITIONS: dict[str, Transition] = {
    "close_shredded": Transition(
        name="close_shredded",
        label=gettext_lazy("Close the case of a shredded report"),
        sources=OPEN_STATES,
        target=CaseState.CLOSED,
        may_run=policy.runs_only_by_the_service,
        needs_report=False,
    ),
}
# Every transition of the state machine (``cases.models.Case`` is built from it).
DECLARED: dict[str, Transition] = {**TRANSITIONS, **SYSTEM_TRANSITIONS}
# Every argument some transition takes, by name: the API's body and the staff page's form.
ARGUMENTS: dict[str, Argument] = {
    argument.name: argument for transition in _DECLARED for argument in transition.arguments
}


class OverridableStep(Protocol):
    """What an override is asked and approved for: a gated transition, or the affected person's
    disclosure, which is not one."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> StrOrPromise: ...

    @property
    def reporter_step(self) -> StrOrPromise | None: ...

    @property
    def consent_gate(self) -> ConsentGate | AffectedPersonDisclosure | None: ...

    def possible_from(self, state: str) -> bool: ...


# Every step an override may be asked for, by name: the gated transitions and the disclosure.
OVERRIDABLE: dict[str, OverridableStep] = {
    **{name: step for name, step in TRANSITIONS.items() if step.consent_gate is not None},
    AFFECTED_PERSON_DISCLOSURE.name: AFFECTED_PERSON_DISCLOSURE,
}


def transitions_from(state: str) -> list[Transition]:
    """The transitions that can start from this state, whoever asks and whatever is missing."""
    return [transition for transition in TRANSITIONS.values() if transition.possible_from(state)]
