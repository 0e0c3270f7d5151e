"""Right-to-left (issue 13, item 2): the stylesheets name no physical side, so an Arabic page is
the mirror image of an English one; everything people type runs in its own direction."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from portal.forms import IdentityForm, PersonForm, RetaliationForm, WhatForm
from tests.helpers.html import parse

ROOT = Path(settings.BASE_DIR)

# A physical side: margin-left, padding-right, border-left..., text-align: left, float: right,
# and the offsets left: / right: (inset-inline-start and -end mirror; these do not).
PHYSICAL_SIDE = re.compile(
    r"\b(?:margin|padding|border)-(?:left|right)\b"
    r"|\b(?:text-align|float|clear)\s*:\s*(?:left|right)\b"
    r"|(?<![-\w])(?:left|right)\s*:",
)


def test_the_stylesheets_name_no_physical_side() -> None:
    found = [
        f"{sheet.relative_to(ROOT)}:{number}: {line.strip()}"
        for sheet in sorted((ROOT / "static" / "css").glob("*.css"))
        for number, line in enumerate(sheet.read_text().splitlines(), start=1)
        if PHYSICAL_SIDE.search(line)
    ]

    assert found == []


def test_the_check_for_physical_sides_finds_each_kind() -> None:
    for rule in (
        "margin-left: 1rem",
        "border-right: 0",
        "text-align: left",
        "float:right",
        "left: 0",
    ):
        assert PHYSICAL_SIDE.search(rule), rule
    for rule in ("margin-inline-start: 1rem", "text-align: start", "inset-inline-end: 0"):
        assert not PHYSICAL_SIDE.search(rule), rule


def test_every_free_text_field_of_the_reporter_forms_runs_in_the_direction_typed() -> None:
    html = "".join(
        str(form) for form in (WhatForm(), PersonForm(), IdentityForm(), RetaliationForm(data=None))
    )

    fields = {
        attrs["name"]: attrs.get("dir")
        for tag, attrs in parse(html).elements
        if tag in {"textarea", "input"} and attrs.get("type") not in {"radio", "checkbox"}
    }

    for name in ("narrative", "perpetrator_name", "perpetrator_role", "name", "phone"):
        assert fields[name] == "auto", name
    # A date holds no words: its direction is the page's.
    assert fields["incident_date"] is None


def test_every_text_area_written_in_a_template_runs_in_the_direction_typed() -> None:
    templates = [
        path
        for folder in [ROOT / "templates", *ROOT.glob("*/templates")]
        for path in folder.rglob("*.html")
    ]
    text_areas = [
        (path.relative_to(ROOT), tag)
        for path in templates
        for tag in re.findall(r"<textarea\b[^>]*>", path.read_text())
    ]

    assert text_areas
    assert [(path, tag) for path, tag in text_areas if 'dir="auto"' not in tag] == []


@pytest.mark.django_db
@override_settings(LANGUAGES=[("en", "English"), ("ar", "Arabic")])
def test_a_page_in_arabic_is_right_to_left_and_english_left_to_right() -> None:
    client = Client()

    html_of = {
        path: next(
            attrs for tag, attrs in parse(client.get(path).content).elements if tag == "html"
        )
        for path in ("/ar/report/", "/report/")
    }

    assert html_of["/ar/report/"] == {"lang": "ar", "dir": "rtl"}
    assert html_of["/report/"] == {"lang": "en", "dir": "ltr"}
