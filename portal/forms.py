"""The intake, in a few short steps that work without JavaScript.

Nothing is stored until the last step: earlier answers travel with the form as hidden fields,
so an abandoned report leaves no trace on the server.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Entity
from reports.limits import NARRATIVE_MAX
from reports.vocabulary import (
    CONSENT_EXPLANATIONS,
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
    informal_channel = forms.ChoiceField(
        label=_("If informal: how?"),
        choices=[("", _("Not applicable")), *InformalChannel.choices],
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One question per action, none preselected: an unanswered question is a "no".
        for action in ConsentAction:
            self.fields[f"consent_{action.value}"] = forms.ChoiceField(
                label=action.label,
                help_text=CONSENT_EXPLANATIONS[action],
                choices=YES_NO,
                required=False,
                widget=forms.RadioSelect,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        route, channel = data.get("route"), data.get("informal_channel")
        if route == Route.INFORMAL and not channel:
            self.add_error(
                "informal_channel", _("Choose how you would like it resolved informally.")
            )
        if route and route != Route.INFORMAL:
            data["informal_channel"] = ""
        return data

    def consents(self) -> dict[str, bool]:
        answers = {}
        for action in ConsentAction.values:
            answer = self.cleaned_data.get(f"consent_{action}")
            if answer in ("yes", "no"):
                answers[action] = answer == "yes"
        return answers

    def consent_fields(self) -> list[forms.BoundField]:
        return [self[f"consent_{action}"] for action in ConsentAction.values]


STEPS: list[tuple[str, type[forms.Form], Any]] = [
    ("about", AboutForm, _("About you")),
    ("what", WhatForm, _("What happened")),
    ("identity", IdentityForm, _("Your identity")),
    ("route", RouteForm, _("What happens next")),
]
