"""The two feedback forms, as the reporter's pages show them: choices only, no free text.

Whatever else a form sends is ignored; an answer outside the choices is an error on the form,
and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.vocabulary import (
    NOT_READY_CATEGORIES,
    PREFER_NOT_TO_SAY,
    Agreement,
    HoldsBack,
    SurveyQuestion,
)

SCALE_CHOICES: list[tuple[str, Any]] = [
    *((str(value), label) for value, label in Agreement.choices),
    (PREFER_NOT_TO_SAY, _("I prefer not to say")),
]


class SurveyForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every question needs a choice, "prefer not to say" included: a survey sent by a
        # stray tap is not recorded as five refusals, since it can be answered only once.
        for question in SurveyQuestion:
            self.fields[question.value] = forms.ChoiceField(
                label=question.label,
                choices=SCALE_CHOICES,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer, or “I prefer not to say”.")},
            )

    def answers(self) -> dict[str, int | None]:
        """Each question's answer, ``None`` for "prefer not to say"."""
        return {
            question: None
            if self.cleaned_data[question] == PREFER_NOT_TO_SAY
            else int(self.cleaned_data[question])
            for question in SurveyQuestion.values
        }

    def questions(self) -> list[forms.BoundField]:
        return [self[question] for question in SurveyQuestion.values]


class NotReadyForm(forms.Form):
    category = forms.ChoiceField(
        label=_("In broad terms, what happened?"),
        choices=NOT_READY_CATEGORIES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one, or “I prefer not to say”.")},
    )
    holds_back = forms.MultipleChoiceField(
        label=_("What holds you back from reporting?"),
        help_text=_("Choose all that apply, or none."),
        choices=HoldsBack.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
