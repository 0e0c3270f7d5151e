"""Every sentence a person reads goes through Django's translation functions (issue 13, item 3),
found by two heuristics that err on the side of asking.

Templates: the text between elements, and the words of ``aria-label``, ``title``, ``alt`` and
``placeholder``, must come from ``{% translate %}``, ``{% blocktranslate %}`` or a variable; any
other run of letters is English nobody can translate. Python: the messages of a
``ValidationError``, of ``django.contrib.messages`` and of form and model labels and help texts
must not be plain string literals.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[1]
SKIPPED_FOLDERS = {".venv", "tests", "migrations", "bench", "node_modules"}

# Stands for whatever Django writes there (a translation, a variable): never text of its own.
_WRITTEN = "\x00"
_TRANSLATED_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
_SILENT_BLOCKS = {"comment": "endcomment"}
# Blocks whose content lands inside an attribute (base.html's ``class="content{% block %}"``).
_ATTRIBUTE_BLOCKS = {"main_width"}
_MARKUP = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1>|<[^>]*>", re.S)
_READ_ATTRIBUTES = re.compile(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"')
_WORD = re.compile(r"[^\W\d_]{2,}")


def _written_by_django(source: str) -> str:
    """``source`` with every tag and variable, and all text inside a ``blocktranslate``, a
    ``comment`` or an attribute block, replaced by a mark."""
    parts: list[str] = []
    closing: list[str] = []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.TEXT:
            parts.append(_WRITTEN if closing else token.contents)
            continue
        parts.append(_WRITTEN)
        if token.token_type != TokenType.BLOCK or not token.contents:
            continue
        name, *arguments = token.contents.split()
        if closing and name == closing[-1]:
            closing.pop()
        elif name in _TRANSLATED_BLOCKS:
            closing.append(_TRANSLATED_BLOCKS[name])
        elif name in _SILENT_BLOCKS:
            closing.append(_SILENT_BLOCKS[name])
        elif name == "block" and arguments and arguments[0] in _ATTRIBUTE_BLOCKS:
            closing.append("endblock")
    return "".join(parts)


def untranslated_template_text(source: str) -> list[str]:
    kept = _written_by_django(source)
    found = [value for value in _READ_ATTRIBUTES.findall(kept) if _WORD.search(value)]
    found += [
        text.strip() for text in _MARKUP.sub(_WRITTEN, kept).split(_WRITTEN) if _WORD.search(text)
    ]
    return found


_USER_FACING_KEYWORDS = {"label", "help_text", "empty_label", "verbose_name", "verbose_name_plural"}
_MESSAGE_FUNCTIONS = {"debug", "info", "success", "warning", "error"}


def _is_plain_text(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and bool(_WORD.search(node.value))
    )


def untranslated_python_text(source: str) -> list[int]:
    """The lines where a message meant for people is a plain string literal."""
    found: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        name = getattr(function, "attr", None) or getattr(function, "id", "")
        owner = getattr(getattr(function, "value", None), "id", "")
        said = [keyword.value for keyword in node.keywords if keyword.arg in _USER_FACING_KEYWORDS]
        if name == "ValidationError" and node.args:
            said.append(node.args[0])
        if owner == "messages" and name in _MESSAGE_FUNCTIONS and len(node.args) >= 2:
            said.append(node.args[1])
        found += [node.lineno for value in said if _is_plain_text(value)]
    return found


def _ours(pattern: str) -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob(pattern)
        if not SKIPPED_FOLDERS.intersection(path.relative_to(ROOT).parts)
    )


@pytest.mark.parametrize(
    ("pattern", "untranslated", "at_least"),
    [
        ("templates/**/*.html", untranslated_template_text, 40),
        ("*.py", untranslated_python_text, 100),
    ],
    ids=["templates", "python"],
)
def test_every_word_for_people_goes_through_the_translation_functions(
    pattern: str, untranslated: Callable[[str], list[Any]], at_least: int
) -> None:
    files = _ours(pattern)
    found = {
        str(path.relative_to(ROOT)): where
        for path in files
        if (where := untranslated(path.read_text()))
    }

    assert len(files) > at_least
    assert found == {}


def test_the_template_check_finds_english_outside_the_translation_tags() -> None:
    source = """{% load i18n %}{% extends "base.html" %}{% block main_width %} content-wide{% endblock %}
<h1>{% translate "About you" %}</h1>
<p class="help" id="{{ field.auto_id }}_helptext">Nothing is saved yet.</p>
<nav aria-label="Steps"><a href="{% url 'home' %}" title="{% translate 'Home' %}">{{ name }}</a></nav>
{% blocktranslate %}Step {{ number }} of 8.{% endblocktranslate %}
{% comment %}Not shown.{% endcomment %}{# nor this #}
<!-- nor this --><script src="x.js"></script>
<option value="yes"{% if chosen %} selected{% endif %}>{% translate "Yes" %}</option>"""

    assert untranslated_template_text(source) == ["Steps", "Nothing is saved yet."]


def test_the_python_check_finds_plain_messages_for_people() -> None:
    source = """
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

name = forms.CharField(label="Your name", help_text=_("Optional."))
phone = forms.CharField(label=_("Phone"))
raise ValidationError("That receipt is not valid.")
raise ValidationError(_("That receipt is not valid."), code="invalid")
messages.success(request, f"Saved {count} changes.")
messages.error(request, _("Nothing was saved."))
logger.warning("Logs are for operators, in English.")
"""

    assert untranslated_python_text(source) == [7, 9, 11]
