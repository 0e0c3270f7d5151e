"""Text that people type runs in its own direction, whatever the page's (issue 13).

A reporter may write Arabic on an English page or English on an Arabic one. ``dir="auto"``
lets the browser set each field's direction from its first strong character, so the cursor,
punctuation and alignment follow what is being typed. Every Django form gets it through the
form renderer (``settings.FORM_RENDERER``); fields written by hand in templates carry it
themselves, and so does every element that shows such text back.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.forms.widgets import DateTimeBaseInput


def is_free_text(widget: forms.Widget) -> bool:
    """A box for words: a text area or a one-line text input (not a date, which is a text
    input underneath but holds no words)."""
    if isinstance(widget, forms.Textarea):
        return True
    return isinstance(widget, forms.TextInput) and not isinstance(widget, DateTimeBaseInput)


class FreeTextBoundField(BoundField):
    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        built: dict[str, Any] = super().build_widget_attrs(attrs, widget)
        if is_free_text(widget or self.field.widget):
            built.setdefault("dir", "auto")
        return built


class FormRenderer(DjangoTemplates):
    """Django's renderer, whose forms give every free-text field ``dir="auto"``."""

    bound_field_class = FreeTextBoundField
