"""People's names as keyed blind indexes: a name is compared, never kept.

A report may name the alleged perpetrator, and staff members are people with names too. To
keep a focal point named in a report away from it (issue 12), the service must tell that two
names are the same person's without storing either: each is normalised, then hashed with the
blind index key under a purpose of its own (``vault.crypto.keyed_hash``).

Normalisation makes the ordinary variants of one name meet: letter case, accents and other
marks, punctuation and spacing, and the order of given and family names ("María-José GARCÍA
López" and "lopez garcia maria jose" give one index). It cannot make a nickname, an initial or
a name half given meet the full name; those stay apart.

Threat model
    - A database dump holds only the keyed indexes: without ``UPSTANDER_BLIND_INDEX_KEY`` nobody
      can test a guessed name against them, however few names are plausible.
    - Whoever holds the server's keys can test guessed names (a name has little entropy): the
      index hides names from a dump, not from the server's operator, who could read the
      reports' sealed fields of unsealed reports anyway.
    - The index of one name is the same wherever it appears, by design: that is the match.
"""

from __future__ import annotations

import re
import unicodedata

from vault.envelope import blind_index

# Letters that carry no combining mark to strip, written as the letters people type instead.
_PLAIN_LETTERS = str.maketrans(
    {"ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "þ": "th", "\u0131": "i", "ð": "d"}
)
_WORD = re.compile(r"[^\W_]+")


def normalised_name(name: str) -> str:
    """The words of a name, without case, marks or punctuation, in alphabetical order."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    unmarked = "".join(char for char in folded if not unicodedata.combining(char))
    return " ".join(sorted(_WORD.findall(unmarked.translate(_PLAIN_LETTERS))))


def person_name_index(name: str) -> str | None:
    """The keyed blind index of a person's name; ``None`` when it holds no word at all."""
    normal = normalised_name(name)
    return blind_index("person-name", normal) if normal else None
