"""The report's timeline: entries written by ``timeline_add``, read as humane words.

Stored timeline entries carry an event code and safe parameters; the words are produced here,
at display time, in the reader's language (status labels and timeline labels).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from audit.days import today_start
from reports.limits import ACKNOWLEDGEMENT_DAYS, RETALIATION_ACKNOWLEDGEMENT_WORKING_DAYS
from reports.models import Report, TimelineEntry, next_position
from reports.vocabulary import (
    AFFECTED_PERSON_CONSENT,
    OVERRIDE_GROUND_REPORTER_WORDS,
    ConsentAction,
    InformalChannel,
    OverrideGround,
    Route,
    TimelineEvent,
    consent_label,
)


def timeline_add(
    report: Report, event: TimelineEvent, *, at: datetime | None = None, **params: Any
) -> TimelineEntry:
    return TimelineEntry.objects.create(
        report=report,
        event=event,
        params=params,
        # The day only, for every entry: the reporter reads this timeline, and most of it is
        # what they did (issue 11). Entries keep their order by ``position``.
        at=at or today_start(),
        position=next_position(report.timeline.all()),
    )


STATUS_LABELS: dict[str, Callable[[], str]] = {
    "recorded": lambda: _(
        "Your report is recorded and sealed. Nobody in the organisation can read it. You can ask "
        "for it to be reviewed at any time by allowing case review."
    ),
    "received": lambda: (
        _("Your report has arrived. A focal point will acknowledge it within %(days)s days.")
        % {"days": ACKNOWLEDGEMENT_DAYS}
    ),
    "received_retaliation": lambda: (
        _(
            "Your report of what happened since has arrived. A focal point will acknowledge it "
            "within %(days)s working days."
        )
        % {"days": RETALIATION_ACKNOWLEDGEMENT_WORKING_DAYS}
    ),
    "acknowledged": lambda: _(
        "A focal point has acknowledged your report and will look at it with you."
    ),
    "assessment": lambda: _(
        "A focal point is looking at your report and the options open to you. Nothing happens "
        "without your consent."
    ),
    "informal_resolution": lambda: _(
        "Your case is being resolved informally, in the way you agreed to."
    ),
    "formal_review": lambda: _(
        "Your formal complaint is being reviewed to decide whether an investigation is needed."
    ),
    "investigation": lambda: _("An investigation is under way. You will be told how it ends."),
    "findings": lambda: _("The investigation has finished and its findings are recorded."),
    "disciplinary": lambda: _(
        "The findings confirmed the harassment; a disciplinary process has started."
    ),
    "on_hold": lambda: _(
        "Your case is paused for now. You can still send messages and change your choices."
    ),
    "closed": lambda: _("Your case is closed. Your report and receipt remain valid."),
    "resealed": lambda: _(
        "You withdrew your consent to case review, so your report is sealed again: nobody in the "
        "organisation can read it any more. You can allow review again at any time."
    ),
}


def status_label(state: str) -> str:
    return STATUS_LABELS.get(state, STATUS_LABELS["received"])()


def _consent_name(params: dict[str, Any]) -> str:
    return consent_label(params.get("action", ""))


def _ground_words(params: dict[str, Any]) -> str:
    ground = params.get("ground", "")
    known = ground if ground in OverrideGround.values else OverrideGround.NOT_NAMED
    return str(OVERRIDE_GROUND_REPORTER_WORDS[OverrideGround(known)])


def _route_name(params: dict[str, Any]) -> str:
    route = params.get("route", "")
    label = str(Route(route).label) if route in Route.values else route
    channel = params.get("informal_channel", "")
    if channel in InformalChannel.values:
        label = f"{label}: {InformalChannel(channel).label}"
    return label


WITHDRAWAL_EFFECTS: dict[str, Callable[[], str]] = {
    ConsentAction.CASE_REVIEW: lambda: _(
        "Nobody starts a new step on your report. Unless a formal process has begun, nobody in "
        "the organisation can read it any more."
    ),
    ConsentAction.OMBUDSPERSON_REFERRAL: lambda: _(
        "Your report is not shared with the ombudsperson, and an ombudsperson who had it no longer sees it."
    ),
    ConsentAction.MEDIATION: lambda: _("No mediation will be arranged."),
    ConsentAction.FORMAL_INVESTIGATION: lambda: _(
        "No formal review or investigation can start or continue to its next step."
    ),
    ConsentAction.IDENTITY_DISCLOSURE: lambda: _(
        "Your name is no longer shown to anyone beyond the focal point in charge."
    ),
    ConsentAction.CONTACT_ALLEGED_PERPETRATOR: lambda: _(
        "The person responsible will not be contacted: mediation, a manager's intervention and an investigation cannot go ahead."
    ),
    ConsentAction.INTERIM_MEASURES: lambda: _(
        "No new protective measure will be put in place for you."
    ),
    ConsentAction.SUPPORT_REFERRAL: lambda: _("You will not be referred to support services."),
    ConsentAction.STATISTICS: lambda: _(
        "Your details leave the finer statistics at the next quarterly release; your report "
        "stays in the organisation's anonymous totals."
    ),
    ConsentAction.VICTIMS_RIGHTS_ADVOCATE: lambda: _(
        "The victims' rights advocate no longer sees your case, from now on."
    ),
    ConsentAction.SHARE_WITH_ADVOCATE: lambda: _(
        "The advocate no longer reads your report, your messages or your files."
    ),
}


def withdrawal_effect(action: str) -> str:
    """What stops, in plain words, when the reporter withdraws this consent."""
    effect = WITHDRAWAL_EFFECTS.get(action)
    return effect() if effect else ""


TIMELINE_LABELS: dict[str, Callable[[dict[str, Any]], str]] = {
    TimelineEvent.SUBMITTED: lambda p: _("You submitted your report."),
    TimelineEvent.CASE_OPENED: lambda p: _("Your report was passed to a focal point for review."),
    TimelineEvent.CONSENT_GRANTED: lambda p: (
        _("You gave your consent: %(what)s.") % {"what": _consent_name(p)}
    ),
    TimelineEvent.CONSENT_WITHDRAWN: lambda p: (
        _("You withdrew your consent: %(what)s.") % {"what": _consent_name(p)}
        + " "
        + withdrawal_effect(p.get("action", ""))
    ),
    TimelineEvent.ROUTE_CHANGED: lambda p: (
        _("You changed what you would like to happen: %(route)s.") % {"route": _route_name(p)}
    ),
    TimelineEvent.RESEALED: lambda p: _(
        "Your report was sealed again. Nobody in the organisation can read it now."
    ),
    TimelineEvent.WITHDRAWAL_AFTER_FORMAL: lambda p: _(
        "You withdrew your consent to case review after a formal process had started. Steps that "
        "need that consent have stopped; the organisation keeps what it already holds, as the "
        "policy requires, and will explain what happens next."
    ),
    TimelineEvent.MESSAGE_FROM_STAFF: lambda p: (
        _("The victims' rights advocate sent you a message.")
        if p.get("from_advocate")
        else _("The focal point sent you a message.")
    ),
    TimelineEvent.TRANSITION: lambda p: status_label(p.get("state", "")),
    TimelineEvent.OVERRIDE: lambda p: (
        _(
            "Two staff members decided to go ahead without one of your consents: %(what)s. Their "
            "reasons were sent to you as a message."
        )
        % {"what": _consent_name(p)}
        if "ground" not in p
        else _(
            "Two staff members decided to go ahead without the agreement of the person it "
            "happened to, on this ground: %(ground)s. Their reasons were sent to you as a message."
        )
        % {"ground": _ground_words(p)}
        if p.get("action") == AFFECTED_PERSON_CONSENT
        else _(
            "Two staff members decided to go ahead without one of your consents: %(what)s, on "
            "this ground: %(ground)s. Their reasons were sent to you as a message."
        )
        % {"what": _consent_name(p), "ground": _ground_words(p)}
    ),
    TimelineEvent.ATTACHMENT_ADDED: lambda p: _("You added a file."),
    # The reference of the new report is the reporter's own; it opens nothing without its receipt.
    TimelineEvent.RETALIATION_REPORTED: lambda p: (
        _("You reported something that happened since: report %(reference)s.")
        % {"reference": p.get("reference", "")}
    ),
    TimelineEvent.CHECK_IN_ANSWERED: lambda p: (
        _("You told us all is fine.")
        if p.get("answer") == "all_fine"
        else _("You told us something happened since.")
    ),
    TimelineEvent.AFFECTED_PERSON_CODE_ISSUED: lambda p: _(
        "You took a code to pass on to the person it happened to."
    ),
    TimelineEvent.AFFECTED_PERSON_CAME_FORWARD: lambda p: _(
        "The person it happened to came forward with a report of their own and linked it to "
        "yours. Formal steps about them now follow their own consent."
    ),
    TimelineEvent.LINKED_TO_WITNESS: lambda p: _(
        "You linked your report to the report of the witness who gave you a code. Formal steps "
        "about you on their report now follow your consents here."
    ),
    TimelineEvent.WENT_AHEAD_WITHOUT_YOU: lambda p: (
        _(
            "Two staff members decided to go ahead with a step on the witness's report about "
            "what happened to you without your agreement, on this ground: %(ground)s. You can "
            "ask the focal point about it in a message."
        )
        % {"ground": _ground_words(p)}
    ),
    TimelineEvent.ROUTED_INDEPENDENTLY: lambda p: _(
        "Because the person responsible is senior, your case is handled by an independent office "
        "outside their line of command."
    ),
    TimelineEvent.HANDLER_CHANGE_REQUESTED: lambda p: _(
        "You asked for a different person to handle your case. The one handling it no longer "
        "sees it; you will be told when someone else takes it on."
    ),
    TimelineEvent.HANDLER_CHANGED: lambda p: _(
        "A different focal point now handles your case, as you asked."
    ),
    TimelineEvent.MANAGER_PROPOSED: lambda p: _(
        "The focal point proposed a manager to intervene. Nothing is sent until you approve them."
    ),
    TimelineEvent.MANAGER_APPROVED: lambda p: _("You approved the manager proposed to intervene."),
    TimelineEvent.MANAGER_REFUSED: lambda p: _(
        "You refused the manager proposed to intervene. Nobody is contacted through them."
    ),
}


def timeline_label(event: str, params: dict[str, Any]) -> str:
    render = TIMELINE_LABELS.get(event)
    return render(params) if render else _("Your report was updated.")
