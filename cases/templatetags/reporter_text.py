"""Reporter-written text on staff pages: isolated and with its invisible characters shown.

A right-to-left override or a zero-width character in a name can make it read as another
(``Amina\\u202eXYZ`` displays reversed; ``A\\u200bmina`` looks like ``Amina``). Staff see each
such character as a visible marker, and every piece of reporter text is wrapped in ``<bdi>``
so its direction cannot spill into the page around it.
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Direction controls (embeddings, overrides, isolates, marks) and invisible characters.
INVISIBLE = frozenset(
    [
        *(chr(code) for code in range(0x202A, 0x202F)),
        *(chr(code) for code in range(0x2066, 0x206A)),
        "\u200e",
        "\u200f",
        "\u061c",
        "\u200b",
        "\u200c",
        "\u200d",
        "\u2060",
        "\ufeff",
        "\u00ad",
    ]
)


# One character class, scanned by the regex engine: a page of long messages is read at C speed,
# not a character at a time in Python (issue 15).
_INVISIBLE_CHARACTER = re.compile("[" + re.escape("".join(sorted(INVISIBLE))) + "]")


def _marker(found: re.Match[str]) -> str:
    return f"[U+{ord(found.group()):04X}]"


def _reveal(text: str) -> str:
    return _INVISIBLE_CHARACTER.sub(_marker, text)


@register.filter
def reporter_text(value: object) -> SafeString:
    """``value`` escaped, its invisible characters shown, isolated in ``<bdi>``."""
    if value is None:
        return SafeString("")
    return format_html("<bdi>{}</bdi>", _reveal(str(value)))


@register.filter
def reporter_paragraphs(value: object) -> SafeString:
    """Like ``reporter_text`` for long text, keeping its line breaks."""
    if value is None:
        return SafeString("")
    lines = [conditional_escape(_reveal(line)) for line in str(value).split("\n")]
    return format_html("<bdi>{}</bdi>", mark_safe("<br>".join(lines)))  # noqa: S308  # nosec B308, B703  # each line escaped above
