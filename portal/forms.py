"""The intake, in a few short steps that work without JavaScript.

Nothing is stored until the last step: earlier answers travel with the form as hidden fields,
so an abandoned report leaves no trace on the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Entity, Seniority
from portal.route_needs import consents_ever_needed, route_may_use, route_needs
from reports.limits import NARRATIVE_MAX
from reports.vocabulary import (
    CONSENT_EXPLANATIONS,
    AffectedPersonIdentifiable,
    Category,
    ConsentAction,
    IdentityDisclosure,
    InformalChannel,
    LocationType,
    ReporterRole,
    Route,
)

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class AboutForm(forms.Form):
    reporter_role = forms.ChoiceField(
        label=_("Who are you in this?"), choices=ReporterRole.choices, widget=forms.RadioSelect
    )
    entity = forms.ModelChoiceField(
        label=_("Which organisation should receive it?"),
        queryset=Entity.objects.filter(accepts_reports=True),
        to_field_name="code",
        empty_label=_("Choose an organisation"),
    )


class WhatForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What kind of behaviour was it?"),
        choices=Category.choices,
        widget=forms.RadioSelect,
    )
    narrative = forms.CharField(
        label=_("What happened?"),
        help_text=_("In your own words. Share only what you are comfortable sharing."),
        max_length=NARRATIVE_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    incident_date = forms.DateField(
        label=_("When did it happen? (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    location_type = forms.ChoiceField(
        label=_("Where did it happen? (optional)"),
        choices=[("", _("I prefer not to say")), *LocationType.choices],
        required=False,
    )
    # Asked of a witness only (issue 12): a formal step about someone who can be identified
    # needs their own consent, which a witness cannot give for them.
    affected_person_identifiable = forms.ChoiceField(
        label=_("Could someone tell from your report who it happened to?"),
        help_text=_(
            "For example if you name them, or describe their job or where they sit. If yes, no "
            "formal complaint or investigation about them goes ahead, and nobody beyond the focal "
            "points reads your report, without their own consent: you will be able to pass them "
            "a code to come forward themselves."
        ),
        choices=[
            (AffectedPersonIdentifiable.YES, AffectedPersonIdentifiable.YES.label),
            (AffectedPersonIdentifiable.NO, AffectedPersonIdentifiable.NO.label),
        ],
        widget=forms.RadioSelect,
    )

    # A witness tells what they saw or heard: the questions say so (issue 11).
    WITNESS_WORDING = {
        "category": _("What kind of behaviour did you see or hear?"),
        "narrative": _("What did you see or hear?"),
        "incident_date": _("When did you see or hear it? (optional)"),
    }
    WITNESS_HELP = {
        "narrative": _(
            "In your own words: what you saw or heard, and who it happened to if you wish. "
            "Share only what you are comfortable sharing."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if _answer(self, "reporter_role") == ReporterRole.WITNESS:
            for name, label in self.WITNESS_WORDING.items():
                self.fields[name].label = label
            for name, help_text in self.WITNESS_HELP.items():
                self.fields[name].help_text = help_text
        elif _answer(self, "reporter_role"):
            # Not asked of the person it happened to. (A form built without answers, to list
            # every step's fields for carrying them, keeps the question.)
            del self.fields["affected_person_identifiable"]

    def clean_narrative(self) -> str:
        narrative: str = self.cleaned_data["narrative"]
        if not narrative.strip():
            raise forms.ValidationError(_("Please describe what happened, in your own words."))
        return narrative

    def clean_incident_date(self) -> date | None:
        value: date | None = self.cleaned_data.get("incident_date")
        if value and value > timezone.now().date():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class PersonForm(forms.Form):
    """Who was responsible: asked only on the routes where a case may act on it."""

    perpetrator_name = forms.CharField(
        label=_("Name of the person responsible (optional)"), max_length=200, required=False
    )
    perpetrator_role = forms.CharField(
        label=_("Their job or role (optional)"), max_length=200, required=False
    )
    perpetrator_relationship = forms.CharField(
        label=_("How do you know them? (optional)"),
        help_text=_("For example: my supervisor, a colleague, a contractor."),
        max_length=200,
        required=False,
    )
    perpetrator_seniority = forms.ChoiceField(
        label=_("How senior are they? (optional)"),
        help_text=_(
            "If they are senior, your case is handled by an office outside their line of "
            "command, so that nobody who reports to them handles it."
        ),
        choices=[("", _("I don't know or prefer not to say")), *Seniority.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if _answer(self, "reporter_role") == ReporterRole.WITNESS:
            self.fields["perpetrator_relationship"].label = _(
                "How do they know the person they behaved this way towards? (optional)"
            )
            self.fields["perpetrator_relationship"].help_text = _(
                "For example: her supervisor, a colleague, a contractor."
            )


class IdentityForm(forms.Form):
    identity_disclosure = forms.ChoiceField(
        label=_("Do you want to give your name?"),
        choices=[
            (
                IdentityDisclosure.ANONYMOUS,
                _("No, stay anonymous. No name or contact details are kept."),
            ),
            (
                IdentityDisclosure.CONFIDENTIAL,
                _(
                    "Yes, confidentially. Your name is kept encrypted and shared only if you consent."
                ),
            ),
        ],
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    email = forms.EmailField(label=_("A safe email address (optional)"), required=False)
    phone = forms.CharField(
        label=_("A safe phone number (optional)"), max_length=40, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("identity_disclosure") == IdentityDisclosure.ANONYMOUS:
            # Anonymous means nothing is kept, even if something was typed before choosing.
            data["name"] = data["email"] = data["phone"] = ""
        return data


class RouteForm(forms.Form):
    route = forms.ChoiceField(
        label=_("What would you like to happen?"), choices=Route.choices, widget=forms.RadioSelect
    )


class ChannelForm(forms.Form):
    """Asked only on the informal route: the channel decides which consents are needed."""

    informal_channel = forms.ChoiceField(
        label=_("How would you like it resolved informally?"),
        choices=InformalChannel.choices,
        widget=forms.RadioSelect,
    )


def consent_question(action: ConsentAction) -> forms.ChoiceField:
    """One consent asked as yes or no, with what it means; never preselected."""
    return forms.ChoiceField(
        label=action.label,
        help_text=CONSENT_EXPLANATIONS[action],
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )


class _ConsentQuestionsForm(forms.Form):
    """Yes/no consent questions, none preselected; an unanswered one counts as no."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        route = _answer(self, "route")
        channel = _answer(self, "informal_channel") if route == Route.INFORMAL else ""
        # Without a route (a form built only to list its field names) every question it can
        # ever ask exists; the two consent steps never share a question.
        actions = self.asked(route, channel) if route in Route.values else self.ever_asked()
        for action in actions:
            self.fields[f"consent_{action.value}"] = consent_question(action)

    @staticmethod
    def asked(route: str, channel: str) -> list[ConsentAction]:
        raise NotImplementedError

    @staticmethod
    def ever_asked() -> list[ConsentAction]:
        raise NotImplementedError

    def consents(self) -> dict[str, bool]:
        answers = {}
        for name, answer in self.cleaned_data.items():
            if answer in ("yes", "no"):
                answers[name.removeprefix("consent_")] = answer == "yes"
        return answers

    def consent_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields]

    def unanswered(self) -> bool:
        """Whether a question has no answer yet (after a new route, its new questions)."""
        return any(self.data.get(name) not in ("yes", "no") for name in self.fields)


class ConsentForm(_ConsentQuestionsForm):
    """The consents the chosen route needs to go ahead."""

    @staticmethod
    def asked(route: str, channel: str) -> list[ConsentAction]:
        return route_needs(route, channel)

    @staticmethod
    def ever_asked() -> list[ConsentAction]:
        return consents_ever_needed()


class MoreConsentForm(_ConsentQuestionsForm):
    """What the route may use once under way, and statistics: never needed to go ahead."""

    @staticmethod
    def asked(route: str, channel: str) -> list[ConsentAction]:
        return route_may_use(route, channel)

    @staticmethod
    def ever_asked() -> list[ConsentAction]:
        needed = consents_ever_needed()
        return [action for action in ConsentAction if action not in needed]


def consents_given(forms_by_step: Mapping[str, forms.Form]) -> dict[str, bool]:
    """The answers of both consent steps, as one object (a skipped step answers nothing)."""
    given: dict[str, bool] = {}
    for form in forms_by_step.values():
        if isinstance(form, _ConsentQuestionsForm):
            given.update(form.consents())
    return given


class CheckForm(forms.Form):
    """The last page: every answer shown to be checked; only the files are asked here."""


def _answer(form: forms.Form, name: str) -> str:
    """An answer given on an earlier step, carried with the form (bound) or as initial data."""
    source = form.data if form.is_bound else form.initial
    value = source.get(name, "")
    return value if isinstance(value, str) else ""


STEPS: list[tuple[str, type[forms.Form], Any]] = [
    ("about", AboutForm, _("About you")),
    ("what", WhatForm, _("What happened")),
    ("identity", IdentityForm, _("Your identity")),
    ("route", RouteForm, _("What happens next")),
    ("channel", ChannelForm, _("How to resolve it informally")),
    ("consent", ConsentForm, _("Your consent")),
    ("consent_more", MoreConsentForm, _("What else you may allow")),
    ("person", PersonForm, _("The person responsible")),
    ("check", CheckForm, _("Check your answers")),
]


def step_applies(name: str, answers: Mapping[str, Any]) -> bool:
    """Progressive disclosure without JavaScript: a step is shown only when its answers matter.

    The informal channel only for the informal route; the person responsible not for support
    only, which takes no action about them (issue 11).
    """
    route = str(answers.get("route", ""))
    if name == "channel":
        return route == Route.INFORMAL
    if name == "consent":
        # A dated record goes nowhere, so it needs no consent; its other questions remain.
        return route != Route.RECORD_ONLY
    if name == "person":
        return route != Route.SUPPORT_ONLY
    return True


class RetaliationForm(forms.Form):
    """ "Something happened since" (issue 12): what happened, what the reporter would like, and
    each consent asked afresh (none preselected): a report of retaliation proceeds only with
    consent, like any report."""

    narrative = forms.CharField(
        label=_("What happened since your report?"),
        help_text=_(
            "For example: being left out, a worse assignment or evaluation, threats, rumours, or "
            "contact from the person responsible. Say when it happened, as far as you know."
        ),
        max_length=NARRATIVE_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    route = forms.ChoiceField(
        label=_("What would you like to happen?"),
        choices=Route.choices,
        initial=Route.UNDECIDED,
        widget=forms.RadioSelect,
    )
    informal_channel = forms.ChoiceField(
        label=_("For the informal route: how?"),
        choices=InformalChannel.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for action in ConsentAction:
            self.fields[f"consent_{action.value}"] = consent_question(action)

    def consent_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("consent_")]

    def consents(self) -> dict[str, bool]:
        return {
            name.removeprefix("consent_"): answer == "yes"
            for name, answer in self.cleaned_data.items()
            if name.startswith("consent_") and answer in ("yes", "no")
        }
