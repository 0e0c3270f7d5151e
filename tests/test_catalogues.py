"""The translation catalogues (issue 13, item 3): a reporter reading Arabic must never meet a
sentence left in English, a guessed (fuzzy) translation, or one that lost its placeholders."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from tests.helpers.catalogues import messages, problems

LOCALE = Path(settings.BASE_DIR) / "locale"

HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

"""


def test_every_catalogue_is_complete() -> None:
    catalogues = sorted(LOCALE.rglob("*.po"))

    assert [line for catalogue in catalogues for line in problems(catalogue)] == []


def test_the_check_finds_fuzzy_untranslated_and_misplaced_placeholders(tmp_path: Path) -> None:
    catalogue = tmp_path / "django.po"
    catalogue.write_text(
        HEADER
        + """#: portal/templates/portal/intake.html:3
msgid "Quick exit"
msgstr "Sortie rapide"

#, fuzzy
msgid "Send my report"
msgstr "Envoyer"

msgid "Write to the focal point"
msgstr ""

#, python-format
msgid "Step %(number)s of %(steps)s."
msgstr "Étape %(number)s."

#, python-format
msgid "One file"
msgid_plural "%(count)s files"
msgstr[0] "Un fichier"
msgstr[1] ""

msgctxt "button"
msgid "Change"
msgstr "Modifier"

#~ msgid "Gone"
#~ msgstr ""
""",
        encoding="utf-8",
    )

    found = problems(catalogue)

    assert [line.split(" ", 1)[1] for line in found if "msgfmt" not in line] == [
        "'Send my report': fuzzy",
        "'Write to the focal point': untranslated",
        "'Step %(number)s of %(steps)s.': placeholders differ: ['%(number)s']",
        "'One file': untranslated",
    ]
    # msgfmt agrees the placeholders are wrong.
    assert any("msgfmt --check" in line for line in found)


def test_a_complete_catalogue_passes(tmp_path: Path) -> None:
    catalogue = tmp_path / "django.po"
    catalogue.write_text(
        HEADER
        + """#, python-format
msgid "Step %(number)s of %(steps)s."
msgstr "Étape %(number)s sur "
"%(steps)s."

#, python-format
msgid "One file"
msgid_plural "%(count)s files"
msgstr[0] "Un fichier"
msgstr[1] "%(count)s fichiers"

#, python-format
msgid "Handled by %(handler)s, outside %(own)s."
msgstr "Traité par %(handler)s, hors de %(own)s, dont %(own)s ne voit rien."
""",
        encoding="utf-8",
    )

    assert problems(catalogue) == []
    assert [message.msgstrs for message in messages(catalogue)][1:] == [
        {0: "Étape %(number)s sur %(steps)s."},
        {0: "Un fichier", 1: "%(count)s fichiers"},
        # A named value may be said twice where the language needs it.
        {0: "Traité par %(handler)s, hors de %(own)s, dont %(own)s ne voit rien."},
    ]
