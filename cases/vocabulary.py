"""The case's codes, as the API contract spells them: states, outcomes, closure reasons, measures.

They live apart from the model so that the transition declaration (``cases.transitions``) can
name them and the model can be built from that declaration.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    SUBJECT_SEPARATED_DURING_INVESTIGATION = (
        "subject_separated_during_investigation",
        _("The person responsible left the organisation during the investigation"),
    )


class SystemClosureReason(models.TextChoices):
    """Why the service itself closed a case: never given by staff, so not a code the ``close``
    transition takes. An extension of the contract's ``closure_reason`` vocabulary."""

    SHREDDED = "shredded", _("The report was shredded")


# What a case's closure reason may be: staff's codes (the contract's), then the service's.
CLOSURE_REASON_CHOICES = [*ClosureReason.choices, *SystemClosureReason.choices]


class Measure(models.TextChoices):
    """What the organisation did about the person responsible, after substantiated findings."""

    DISMISSAL = "dismissal", _("Dismissal")
    SEPARATION = "separation", _("Separation from service")
    DEMOTION = "demotion", _("Demotion")
    LOSS_OF_STEPS = "loss_of_steps", _("Loss of steps in grade")
    FINE = "fine", _("Fine")
    WRITTEN_CENSURE = "written_censure", _("Written censure")
    OTHER_ADMINISTRATIVE = "other_administrative", _("Other administrative measure")
    NONE = "none", _("No measure")


class RetaliationRisk(models.TextChoices):
    """The handler's assessment, at acknowledgement, of the risk that the reporter suffers
    retaliation for reporting."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class InterimMeasureKind(models.TextChoices):
    """Protective measures while a case runs; each needs the reporter's ``interim_measures``
    consent."""

    NO_CONTACT_INSTRUCTION = "no_contact_instruction", _("An instruction not to make contact")
    CHANGE_OF_REPORTING_LINE = "change_of_reporting_line", _("A change of reporting line")
    CHANGE_OF_WORKPLACE = "change_of_workplace", _("A change of workplace or office")
    FLEXIBLE_WORK = "flexible_work", _("Flexible or remote working")
    SPECIAL_LEAVE = "special_leave", _("Special leave with full pay")
    OTHER = "other", _("Another protective measure")


OPEN_STATES = tuple(state for state in CaseState if state != CaseState.CLOSED)
# Once one of these has been reached, a formal process has started: withdrawing case review
# no longer re-seals the report (the organisation has duties it must be able to discharge).
FORMAL_STATES = frozenset(
    {CaseState.FORMAL_REVIEW, CaseState.INVESTIGATION, CaseState.FINDINGS, CaseState.DISCIPLINARY}
)


class RightsConcernKind(models.TextChoices):
    """What a victims' rights advocate says the process does not respect (issue 12). A code,
    never free text: a concern carries nothing the reporter wrote."""

    NOT_INFORMED = "not_informed", _("The reporter is not kept informed")
    DEADLINE_MISSED = "deadline_missed", _("A deadline was missed")
    CONSENT_NOT_RESPECTED = "consent_not_respected", _("A consent was not respected")
    PROTECTION_LACKING = "protection_lacking", _("The reporter is not protected from retaliation")
    DIGNITY = "dignity", _("The reporter was not treated with dignity")
    OTHER = "other", _("Another right of the reporter")
