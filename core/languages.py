"""The languages Upstander may speak, and which of them it offers today.

The six official languages of the United Nations are the ones the service is written for
(issue 13). A language is offered only once its catalogue (``locale/<locale>/LC_MESSAGES/
django.po``) is in the repository and compiled: offering Arabic before its translation exists
would promise a reporter pages they cannot read. The source language, English, needs no
catalogue.

This module is read by the settings and by the log filters, so it imports nothing that needs
Django to be configured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

# Each language's code as Django spells it, in the order the UN lists them (alphabetical in
# English); the settings name each one, in words marked for translation.
UN_LANGUAGE_CODES: tuple[str, ...] = ("ar", "zh-hans", "en", "fr", "ru", "es")


def catalogue_locale(code: str) -> str:
    """The folder name of a language's catalogue (``zh-hans`` -> ``zh_Hans``), as Django's
    ``to_locale`` spells it; repeated here because the settings cannot import Django's."""
    language, _, region = code.partition("-")
    if not region:
        return language
    region = region.title() if len(region) > 2 else region.upper()
    return f"{language}_{region}"


def has_catalogue(code: str, *, locale_dirs: Iterable[Path]) -> bool:
    """The catalogue is in the repository and compiled here (``compilemessages``, which needs
    gettext's msgfmt): without the compiled file, the pages would fall back to English under
    another language's name."""
    return any(
        (folder / catalogue_locale(code) / "LC_MESSAGES" / "django.po").is_file()
        and (folder / catalogue_locale(code) / "LC_MESSAGES" / "django.mo").is_file()
        for folder in locale_dirs
    )


def languages_offered(
    codes: Iterable[str],
    *,
    source_language: str,
    locale_dirs: Iterable[Path],
    names: Mapping[str, Any],
) -> list[tuple[str, Any]]:
    """``LANGUAGES``: of ``codes``, the source language and those whose catalogue exists."""
    folders = list(locale_dirs)
    return [
        (code, names[code])
        for code in codes
        if code == source_language or has_catalogue(code, locale_dirs=folders)
    ]


def without_language_prefix(path: str) -> str:
    """``path`` without a leading ``/<language>`` of any UN language (``/ar/report/`` ->
    ``/report/``), for rules that look at what page a path is whatever its language."""
    for code in UN_LANGUAGE_CODES:
        prefix = f"/{code}/"
        if path.startswith(prefix):
            return path[len(prefix) - 1 :]
    return path
