"""What the intake's pages show beside their questions: what each route and channel needs,
each consent's consequences, and the answers to check before sending (issue 11).

Words come from ``reports.vocabulary`` (one place for each label); which consents a route
needs comes from ``portal.route_needs``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from portal.forms import ConsentForm
from portal.route_needs import consents_missing, route_needs
from reports.vocabulary import (
    CHANNEL_EXPLANATIONS,
    CONSENT_WITHOUT,
    ROUTE_EXPLANATIONS,
    ConsentAction,
    IdentityDisclosure,
    InformalChannel,
    Route,
)

WITNESS_WHAT_TITLE = _("What you saw or heard")
NOT_ANSWERED = _("Not answered")
NOT_ANSWERED_CONSENT = _("Not answered (counts as no)")


@dataclass(frozen=True)
class Choice:
    """One radio of a route or channel question, with the words tied to it."""

    value: str
    label: str
    input_id: str
    checked: bool
    explanation: Any
    needs: list[Any] = field(default_factory=list)

    @property
    def explanation_id(self) -> str:
        return f"{self.input_id}_explanation"


def _options(bound: forms.BoundField) -> list[tuple[Any, Any]]:
    """A choice field's flat options (the intake's questions have no option groups)."""
    return list(cast("forms.ChoiceField", bound.field).choices)  # type: ignore[arg-type]


def _choices(form: forms.Form, name: str, explanations: dict[Any, Any], needs: Any) -> list[Choice]:
    bound = form[name]
    current = bound.value()
    return [
        Choice(
            value=str(value),
            label=str(label),
            input_id=f"{bound.auto_id}_{position}",
            checked=current == value,
            explanation=explanations[value],
            needs=[action.label for action in needs(value)],
        )
        for position, (value, label) in enumerate(_options(bound))
    ]


def route_choices(form: forms.Form) -> list[Choice]:
    """Each route with what it means and the consents it needs, none preselected."""
    return _choices(form, "route", ROUTE_EXPLANATIONS, route_needs)


def channel_choices(form: forms.Form) -> list[Choice]:
    """Each informal channel with what it means and the consents it needs."""
    return _choices(
        form,
        "informal_channel",
        CHANNEL_EXPLANATIONS,
        lambda channel: route_needs(Route.INFORMAL, channel),
    )


@dataclass(frozen=True)
class ConsentQuestion:
    field: forms.BoundField
    needed: bool
    without: Any


def consent_questions(form: ConsentForm, answers: Any) -> list[ConsentQuestion]:
    """The route's consent questions, the ones it needs first, each with what it takes away."""
    needed = route_needs(answers.get("route", ""), answers.get("informal_channel", ""))
    return [
        ConsentQuestion(
            field=bound,
            needed=ConsentAction(action) in needed,
            without=CONSENT_WITHOUT[ConsentAction(action)],
        )
        for bound in form.consent_fields()
        for action in [bound.name.removeprefix("consent_")]
    ]


@dataclass(frozen=True)
class AnswerGroup:
    step: str
    title: Any
    rows: list[tuple[str, str]]


def _shown(bound: forms.BoundField, value: Any) -> str:
    if value in (None, ""):
        return str(NOT_ANSWERED_CONSENT if bound.name.startswith("consent_") else NOT_ANSWERED)
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(bound.field, forms.ModelChoiceField):
        return str(getattr(value, "name", value))
    if isinstance(bound.field, forms.ChoiceField):
        return str(dict(_options(bound)).get(value, value))
    return str(value)


def check_answers(steps: list[tuple[str, Any, forms.Form]]) -> list[AnswerGroup]:
    """Every answer of every step shown, in the reporter's words, grouped by step."""
    groups = []
    for name, title, form in steps:
        data = form.cleaned_data if form.is_valid() else {}
        anonymous = data.get("identity_disclosure") == IdentityDisclosure.ANONYMOUS
        rows = [
            (str(bound.label), _shown(bound, data.get(bound.name)))
            for bound in form
            # Anonymous keeps no contact details: there is nothing to check there.
            if not (anonymous and bound.name in ("name", "email", "phone"))
        ]
        if rows:
            groups.append(AnswerGroup(step=name, title=title, rows=rows))
    return groups


@dataclass(frozen=True)
class Shortfall:
    """The consents the chosen route needs and was not given, said before sending."""

    sealed: bool
    missing: list[tuple[str, Any]]


def consent_shortfall(route: str, channel: str, consents: dict[str, bool]) -> Shortfall | None:
    if route not in Route.values or (route == Route.INFORMAL and channel not in InformalChannel):
        return None
    missing = consents_missing(route, channel, consents)
    if not missing:
        return None
    return Shortfall(
        sealed=ConsentAction.CASE_REVIEW in missing,
        missing=[(str(action.label), CONSENT_WITHOUT[action]) for action in missing],
    )
