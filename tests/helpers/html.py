"""What a browser would see of an HTML page, and what a strict Content-Security-Policy would
block in it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Page:
    """What a browser would see of an HTML page: its elements and the content of its scripts."""

    elements: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    scripts: list[tuple[dict[str, str | None], str]] = field(default_factory=list)

    def inputs(self, **wanted: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for tag, attrs in self.elements
            if tag == "input" and all(attrs.get(k) == v for k, v in wanted.items())
        ]

    def hidden_fields(self) -> list[tuple[str, str]]:
        return [(a.get("name") or "", a.get("value") or "") for a in self.inputs(type="hidden")]

    def with_class(self, tag: str, css_class: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.elements
            if name == tag and css_class in (attrs.get("class") or "").split()
        ]


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._script: dict[str, str | None] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.page.elements.append((tag, attributes))
        if tag == "script":
            self._script, self._script_text = attributes, []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.page.scripts.append((self._script, "".join(self._script_text)))
            self._script = None


def parse(html: bytes | str) -> Page:
    parser = _PageParser()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    parser.close()
    return parser.page


# Attributes that make the browser fetch something (an asset), by element.
_ASSET_ATTRIBUTES = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "track": ("src",),
    "input": ("src",),
}


def content_policy_violations(html: bytes | str) -> list[str]:
    """Everything in a page that a strict CSP (``script-src 'self'``, no inline, no third-party
    assets) would block, or that would leak the visit to another site."""
    page = parse(html)
    problems: list[str] = []
    for attrs, text in page.scripts:
        if text.strip():
            problems.append(f"inline script: {text.strip()[:60]!r}")
        if not attrs.get("src"):
            problems.append("script element without src")
    for tag, attrs in page.elements:
        if tag == "style":
            problems.append("<style> element")
        for name, value in attrs.items():
            if name == "style":
                problems.append(f"style= attribute on <{tag}>")
            if name.startswith("on"):
                problems.append(f"{name}= handler on <{tag}>")
            if (
                name in _ASSET_ATTRIBUTES.get(tag, ())
                and value
                and re.match(r"\s*(https?:)?//", value, re.IGNORECASE)
            ):
                problems.append(f"third-party asset <{tag} {name}={value!r}>")
    return problems


def quick_exit_links(html: bytes | str) -> list[dict[str, str | None]]:
    return parse(html).with_class("a", "quick-exit-button")
