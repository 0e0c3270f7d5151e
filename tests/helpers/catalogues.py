"""A small reader of gettext catalogues (``.po``), enough to tell what a reporter would meet in
English in the middle of a translated page: a message left untranslated or fuzzy (a guess that
gettext ignores), or a translation whose placeholders differ from the English (the sentence
would lose a number, or the page would fail to render). polib is not a dependency; the format
is simple enough for what is checked here, and ``msgfmt --check`` checks the rest."""

from __future__ import annotations

import ast
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

# %(name)s, %s, %d (and %% as no placeholder); {name} for format-style strings.
_PERCENT = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?([sdifrxXeEgGcou%])")
_BRACE = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")


@dataclass
class Message:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgstrs: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    context: str | None = None

    def placeholders(self, text: str) -> list[str]:
        found = [f"%({m[0]}){m[1]}" if m[0] else f"%{m[1]}" for m in _PERCENT.findall(text)]
        found = [p for p in found if p != "%%"]
        if "python-brace-format" in self.flags:
            found += [f"{{{name}}}" for name in _BRACE.findall(text)]
        return sorted(found)


def _same_placeholders(translated: list[str], english: list[str]) -> bool:
    """Named values may be used again or reordered ("%(own)s ... %(own)s"); positional ones
    (``%s``) must match one for one, or the sentence would take the wrong number of values."""
    named = re.compile(r"%\(\w+\)\w|\{\w+\}")
    if {p for p in translated if named.fullmatch(p)} != {p for p in english if named.fullmatch(p)}:
        return False
    return [p for p in translated if not named.fullmatch(p)] == [
        p for p in english if not named.fullmatch(p)
    ]


def _unquote(text: str) -> str:
    return str(ast.literal_eval(text))


def messages(path: Path) -> list[Message]:
    """The live messages of a catalogue (obsolete ``#~`` ones left out), its header included."""
    found: list[Message] = []
    current = Message(line=0)
    target: tuple[str, int] = ("msgid", 0)
    flags: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith('"'):
            _append(current, target, _unquote(line))
        elif line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            # An entry starts at its context, or at a msgid after the last one's msgstr.
            if keyword == "msgctxt" or (keyword == "msgid" and current.msgstrs):
                if current.msgstrs:
                    found.append(current)
                current, flags = Message(line=number, flags=flags), set()
            elif keyword == "msgid":
                current.line, current.flags, flags = number, current.flags | flags, set()
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            target = ("msgstr" if keyword.startswith("msgstr") else keyword, index)
            if target[0] == "msgstr":
                current.msgstrs[index] = ""
            _append(current, target, _unquote(rest))
    if current.msgstrs:
        found.append(current)
    return found


def _append(message: Message, target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgstr":
        message.msgstrs[index] += text
    elif name == "msgctxt":
        message.context = (message.context or "") + text
    else:
        setattr(message, name, (getattr(message, name) or "") + text)


def problems(path: Path) -> list[str]:
    """Each fuzzy, untranslated or misplaced-placeholder message of a catalogue, and what
    ``msgfmt --check`` finds, one line each."""
    found: list[str] = []
    for message in messages(path):
        if message.msgid == "" and message.context is None:
            continue  # the header
        where = f"{path}:{message.line} {message.msgid!r}"
        if "fuzzy" in message.flags:
            found.append(f"{where}: fuzzy")
        if any(not text for text in message.msgstrs.values()):
            found.append(f"{where}: untranslated")
            continue
        for index, text in sorted(message.msgstrs.items()):
            english = message.msgid_plural if index and message.msgid_plural else message.msgid
            expected = message.placeholders(english)
            # A singular form may leave the count out ("One file"), never a named value.
            if message.msgid_plural is not None:
                wanted = {p for p in expected if not re.fullmatch(r"%[sd]|%\(\w+\)d", p)}
                if not wanted <= set(message.placeholders(text)):
                    found.append(f"{where}: placeholders {expected} in msgstr[{index}]")
            elif not _same_placeholders(message.placeholders(text), expected):
                found.append(f"{where}: placeholders differ: {message.placeholders(text)}")
    checked = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if checked.returncode:
        found.append(f"{path}: msgfmt --check: {checked.stderr.strip()}")
    return found
