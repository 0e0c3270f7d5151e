"""The contract's vocabularies for reports, with the plain words a reporter reads for each.

Codes are fixed by the API contract; labels and explanations go through translation.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    # Type-checking only: django-stubs-ext is a development dependency.
    from django_stubs_ext import StrOrPromise


class Route(models.TextChoices):
    INFORMAL = "informal", _("Informal resolution")
    FORMAL = "formal", _("Formal complaint and investigation")
    SUPPORT_ONLY = "support_only", _("Support only")
    RECORD_ONLY = "record_only", _("Just keep a dated record")
    UNDECIDED = "undecided", _("I have not decided yet")


class InformalChannel(models.TextChoices):
    OMBUDSPERSON = "ombudsperson", _("Talk to the ombudsperson")
    MEDIATION = "mediation", _("Mediation")
    MANAGER_INTERVENTION = "manager_intervention", _("A manager intervenes")


class Category(models.TextChoices):
    VERBAL = "verbal", _("Verbal (comments, jokes, propositions)")
    NON_VERBAL = "non_verbal", _("Non-verbal (gestures, staring, images)")
    PHYSICAL = "physical", _("Physical (unwanted touching)")
    SEXUAL_ASSAULT = "sexual_assault", _("Sexual assault")
    QUID_PRO_QUO = "quid_pro_quo", _("Something offered or threatened in exchange (quid pro quo)")
    TECHNOLOGY_FACILITATED = "technology_facilitated", _("Online or through technology")
    OTHER = "other", _("Something else")


class ReporterRole(models.TextChoices):
    AFFECTED_PERSON = "affected_person", _("It happened to me")
    WITNESS = "witness", _("I saw or heard it happen to someone else")


class AffectedPersonIdentifiable(models.TextChoices):
    """A witness's answer: could the person it happened to be identified from the report?

    A formal step about an identifiable affected person needs that person's own consent
    (issue 12). ``not_asked``: the reporter is the affected person, or a witness's report came
    through the API without the answer (then no such step is gated on it)."""

    YES = "yes", _("Yes, someone could tell who it happened to")
    NO = "no", _("No, nobody could tell who it happened to")
    NOT_ASKED = "not_asked", _("Not asked")


class IdentityDisclosure(models.TextChoices):
    ANONYMOUS = "anonymous", _("Anonymous")
    CONFIDENTIAL = "confidential", _("Confidential")


class LocationType(models.TextChoices):
    HEADQUARTERS = "headquarters", _("Headquarters")
    FIELD = "field", _("A field or country office")
    REMOTE_OR_ONLINE = "remote_or_online", _("Remote or online")
    OFFSITE_EVENT = "offsite_event", _("An off-site event (meeting, mission, social)")


class ConsentAction(models.TextChoices):
    CASE_REVIEW = "case_review", _("A focal point reviews my report")
    OMBUDSPERSON_REFERRAL = "ombudsperson_referral", _("My report is shared with the ombudsperson")
    MEDIATION = "mediation", _("Mediation is arranged")
    FORMAL_INVESTIGATION = "formal_investigation", _("A formal investigation is opened")
    IDENTITY_DISCLOSURE = "identity_disclosure", _("My name is shared beyond the focal point")
    CONTACT_ALLEGED_PERPETRATOR = (
        "contact_alleged_perpetrator",
        _("The person responsible may be contacted"),
    )
    INTERIM_MEASURES = "interim_measures", _("Protective measures are put in place")
    SUPPORT_REFERRAL = "support_referral", _("I am referred to support services")
    STATISTICS = "statistics", _("My report also counts in finer anonymous statistics")
    # Issue 12: an extension of the contract's vocabulary. The advocate follows the case; only
    # the second, separate share lets them read what the reporter wrote.
    VICTIMS_RIGHTS_ADVOCATE = (
        "victims_rights_advocate",
        _("A victims' rights advocate follows my case"),
    )
    SHARE_WITH_ADVOCATE = "share_with_advocate", _("The advocate also reads my report")


class ReportKind(models.TextChoices):
    """What a report is about: harassment, or retaliation against someone who reported it."""

    HARASSMENT = "harassment", _("Harassment")
    RETALIATION = "retaliation", _("Retaliation after a report")


class CheckInAnswer(models.TextChoices):
    """The reporter's answer to a check-in after their case was closed."""

    ALL_FINE = "all_fine", _("All is fine")
    SOMETHING_HAPPENED = "something_happened", _("Something happened since")


# Months after a case is closed at which the portal asks the reporter how things are.
CHECK_IN_MONTHS = (1, 3, 6, 12)


# Not the reporter's to give, so not a ``ConsentAction``: a witness's report needs, for a formal
# step about an affected person the witness says can be identified, THAT person's own consent,
# given through their own report linked to the witness's one (issue 12). An extension of the
# contract's consent codes, only ever found in ``missing`` lists and in overrides.
AFFECTED_PERSON_CONSENT = "affected_person_consent"
AFFECTED_PERSON_CONSENT_LABEL = _("The affected person's own agreement, through their own report")


def consent_label(action: str) -> str:
    """A consent code in the reporter's words (the affected person's, for their code)."""
    if action == AFFECTED_PERSON_CONSENT:
        return str(AFFECTED_PERSON_CONSENT_LABEL)
    return str(ConsentAction(action).label) if action in ConsentAction.values else action


class TimelineEvent(StrEnum):
    """What a timeline entry records. Stored with the entry: never change a code, add one.

    The reporter reads each in words, rendered when shown (``reports.timeline``).
    """

    SUBMITTED = "submitted"
    CASE_OPENED = "case_opened"
    CONSENT_GRANTED = "consent_granted"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    ROUTE_CHANGED = "route_changed"
    RESEALED = "resealed"
    WITHDRAWAL_AFTER_FORMAL = "withdrawal_after_formal"
    MESSAGE_FROM_STAFF = "message_from_staff"
    # The case moved: the words are the new state's status label.
    TRANSITION = "transition"
    OVERRIDE = "override"
    ATTACHMENT_ADDED = "attachment_added"
    RETALIATION_REPORTED = "retaliation_reported"
    CHECK_IN_ANSWERED = "check_in_answered"
    AFFECTED_PERSON_CODE_ISSUED = "affected_person_code_issued"
    AFFECTED_PERSON_CAME_FORWARD = "affected_person_came_forward"
    LINKED_TO_WITNESS = "linked_to_witness"
    # On the affected person's own report: staff went ahead on the witness's without them.
    WENT_AHEAD_WITHOUT_YOU = "went_ahead_without_you"
    # Who handles the case, and the manager of a manager intervention (issue 12)
    ROUTED_INDEPENDENTLY = "routed_independently"
    HANDLER_CHANGE_REQUESTED = "handler_change_requested"
    HANDLER_CHANGED = "handler_changed"
    MANAGER_PROPOSED = "manager_proposed"
    MANAGER_APPROVED = "manager_approved"
    MANAGER_REFUSED = "manager_refused"


ROUTE_EXPLANATIONS = {
    Route.INFORMAL: _(
        "Someone helps resolve the situation without an investigation. Nothing starts until "
        "you choose a channel below and agree to it. No disciplinary measures come from this route."
    ),
    Route.FORMAL: _(
        "You make a formal complaint. After a first review, the investigation office may "
        "investigate, which includes speaking to the person responsible. That only happens if "
        "you consent to it below."
    ),
    Route.SUPPORT_ONLY: _(
        "You want support (counselling, medical, legal, security) without any action about the "
        "person responsible. A focal point helps you reach it if you consent to a referral."
    ),
    Route.RECORD_ONLY: _(
        "Your report is kept as a dated, sealed record. Nobody is told and nobody in the "
        "organisation can read it, not even the administrators. Only your receipt opens it. You "
        "can ask for a review at any time later."
    ),
    Route.UNDECIDED: _(
        "You can decide later. If you allow a focal point to review your report, they can "
        "explain the options to you through secure messages; otherwise it stays sealed."
    ),
}

CHANNEL_EXPLANATIONS = {
    InformalChannel.OMBUDSPERSON: _(
        "An independent, confidential ombudsperson listens and helps you find a way forward. "
        "They see your report only if you agree to share it with them."
    ),
    InformalChannel.MEDIATION: _(
        "A trained mediator brings you and the person responsible together to agree on how "
        "things change. This needs your consent to mediation and to contacting that person."
    ),
    InformalChannel.MANAGER_INTERVENTION: _(
        "A manager tells the person responsible that the behaviour must stop. This needs your "
        "consent to contacting that person; your name is not shared unless you also agree to that."
    ),
}


def statistics_explanation() -> str:
    """What the statistics count of every report, and what more only with the reporter's consent.

    The group size is a setting (``STATS_K``), read when the words are shown.
    """
    return gettext(
        "Every report, sealed and record-only reports too, is counted in the organisation's "
        "totals by entity, quarter, route, category and how far its case has gone, never with "
        "anything that identifies you, and only in groups of at least %(k)s reports. With your "
        "agreement, your report also counts in finer figures: the type of place, whether you "
        "were affected or a witness, how the case ended and the measures taken, and your "
        "answers to the survey when your case is closed. You can withdraw this agreement at "
        "any time: your details then leave those finer figures at the next quarterly release "
        "(survey answers are kept apart from your report, so once given they cannot be taken "
        "back)."
    ) % {"k": settings.STATS_K}


CONSENT_EXPLANATIONS: dict[ConsentAction, StrOrPromise] = {
    ConsentAction.CASE_REVIEW: _(
        "The focal point of the entity you chose can read your report and message you here. "
        "Without this, your report stays sealed and nobody can read it."
    ),
    ConsentAction.OMBUDSPERSON_REFERRAL: _(
        "The ombudsperson can read your report and contact you through this portal."
    ),
    ConsentAction.MEDIATION: _(
        "A mediator may arrange a conversation with the person responsible."
    ),
    ConsentAction.FORMAL_INVESTIGATION: _(
        "Your report is passed to the investigation office, which may interview witnesses and "
        "the person responsible."
    ),
    ConsentAction.IDENTITY_DISCLOSURE: _(
        "If you gave your name, it may be shared with the people handling your case beyond the "
        "focal point (an ombudsperson, a mediator, investigators)."
    ),
    ConsentAction.CONTACT_ALLEGED_PERPETRATOR: _(
        "The person responsible may be told that a concern was raised. Your name is not shared "
        "with them unless you also agree to share it."
    ),
    ConsentAction.INTERIM_MEASURES: _(
        "Steps to keep you safe while your case goes on, such as a change of supervisor or of "
        "workplace, or remote work."
    ),
    ConsentAction.SUPPORT_REFERRAL: _(
        "The focal point may refer you to counselling, medical, legal or security services. "
        "Only what is needed to help you is shared."
    ),
    ConsentAction.STATISTICS: lazy(statistics_explanation, str)(),
    ConsentAction.VICTIMS_RIGHTS_ADVOCATE: _(
        "Your organisation's victims' rights advocate, who does not handle your case, sees how "
        "it goes: its stage, its deadlines, your consents and who did what. They never read what "
        "you wrote unless you also share it with them. They can write to you here and raise a "
        "concern with the senior focal point when your rights are not respected."
    ),
    ConsentAction.SHARE_WITH_ADVOCATE: _(
        "The advocate following your case also reads your report, your messages and your files. "
        "Your name is shared with them only if you also agree to share it beyond the focal point."
    ),
}

# What will not happen while a consent is not given: shown beside each question of the intake
# and, for the ones the chosen route needs, on the page that checks the answers (issue 11).
CONSENT_WITHOUT: dict[ConsentAction, StrOrPromise] = {
    ConsentAction.CASE_REVIEW: _(
        "Without it, nobody will be told: your report will be kept sealed as a dated record."
    ),
    ConsentAction.OMBUDSPERSON_REFERRAL: _(
        "Without it, the ombudsperson will not see your report."
    ),
    ConsentAction.MEDIATION: _("Without it, no mediation will be arranged."),
    ConsentAction.FORMAL_INVESTIGATION: _(
        "Without it, no investigation will be opened and your report stays with the focal point."
    ),
    ConsentAction.IDENTITY_DISCLOSURE: _("Without it, your name stays with the focal point only."),
    ConsentAction.CONTACT_ALLEGED_PERPETRATOR: _(
        "Without it, nobody will contact the person responsible, so no mediation, manager "
        "intervention or investigation can go ahead."
    ),
    ConsentAction.INTERIM_MEASURES: _("Without it, no protective measures will be put in place."),
    ConsentAction.SUPPORT_REFERRAL: _(
        "Without it, the focal point cannot refer you to support services."
    ),
    ConsentAction.STATISTICS: _(
        "Without it, your report is still counted in the organisation's totals, never in finer "
        "figures."
    ),
    ConsentAction.VICTIMS_RIGHTS_ADVOCATE: _("Without it, no advocate sees your case."),
    ConsentAction.SHARE_WITH_ADVOCATE: _(
        "Without it, an advocate following your case never reads what you wrote."
    ),
}


# Each consent as staff read it after "the reporter's consent to …" (the labels above are the
# reporter's own first-person words, which do not fit that sentence).
CONSENT_PURPOSES: dict[str, StrOrPromise] = {
    ConsentAction.CASE_REVIEW: _("a focal point reviewing the report"),
    ConsentAction.OMBUDSPERSON_REFERRAL: _("sharing the report with the ombudsperson"),
    ConsentAction.MEDIATION: _("mediation"),
    ConsentAction.FORMAL_INVESTIGATION: _("a formal investigation"),
    ConsentAction.IDENTITY_DISCLOSURE: _("sharing their name beyond the focal point"),
    ConsentAction.CONTACT_ALLEGED_PERPETRATOR: _("contacting the person responsible"),
    ConsentAction.INTERIM_MEASURES: _("protective measures"),
    ConsentAction.SUPPORT_REFERRAL: _("a referral to support services"),
    ConsentAction.STATISTICS: _("counting the report in finer anonymous statistics"),
    ConsentAction.VICTIMS_RIGHTS_ADVOCATE: _("a victims' rights advocate following the case"),
    ConsentAction.SHARE_WITH_ADVOCATE: _("the advocate reading the report"),
    AFFECTED_PERSON_CONSENT: _("the affected person's own agreement (the reporter is a witness)"),
}


def consent_purposes(actions: list[str] | tuple[str, ...]) -> list[str]:
    """The consents' purposes, for "the reporter's consent to …"."""
    return [str(CONSENT_PURPOSES[action]) for action in actions]


# Who the reporter is, as staff read it (``ReporterRole``'s labels are the reporter's words).
REPORTER_ROLE_STAFF_LABELS: dict[str, StrOrPromise] = {
    ReporterRole.AFFECTED_PERSON: _("The affected person"),
    ReporterRole.WITNESS: _("A witness"),
}


def affected_person_words(report: Any) -> str:
    """What staff read of the affected person on a witness's case (issue 12); "" otherwise."""
    if not report.about_an_identifiable_person:
        return ""
    if report.affected_person_consents() is None:
        return gettext(
            "Can be identified from the witness's report and has not come forward: formal steps "
            "about them need their own consent, or an override on a listed ground."
        )
    return gettext(
        "Came forward with a report of their own, linked with their agreement: formal steps "
        "about them follow their own consent."
    )


# Overrides are the cases app's, but the reporter's timeline (here, below cases) says their
# ground, so the grounds and their words live with the other words the reporter reads.
class OverrideGround(models.TextChoices):
    """Why two staff members go ahead without a consent: the listed grounds (issue 12).

    ``not_named`` is never chosen: it is what an override requested through the API without a
    ground records (the contract's request carries only the transition and the justification),
    shown and counted as such rather than passed off as one of the grounds."""

    DUTY_OF_CARE = "duty_of_care", _("The organisation's duty of care")
    RISK_TO_OTHERS = "risk_to_others", _("A risk to other people")
    PATTERN_OF_REPORTS = "pattern_of_reports", _("A pattern of reports about the same person")
    NOT_NAMED = "not_named", _("No ground named")


# The grounds a staff member may name (``not_named`` is only ever recorded for them).
NAMED_OVERRIDE_GROUNDS = tuple(
    ground for ground in OverrideGround if ground != OverrideGround.NOT_NAMED
)

# The ground as the reporter reads it, after "on the ground of".
OVERRIDE_GROUND_REPORTER_WORDS = {
    OverrideGround.DUTY_OF_CARE: _(
        "the organisation's duty of care: someone's safety or health is at serious risk"
    ),
    OverrideGround.RISK_TO_OTHERS: _("a risk to other people if nothing is done"),
    OverrideGround.PATTERN_OF_REPORTS: _("a pattern: other reports concern the same person"),
    OverrideGround.NOT_NAMED: _("no ground from the listed ones was named"),
}
