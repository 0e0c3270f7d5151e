"""Helpers for the reporter tests: API calls, the intake wizard walked like a browser, HTML
inspection and scans of the whole database."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from html.parser import HTMLParser
from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

NARRATIVE = "He kept commenting on my clothes in team meetings and sent messages at night."


def report_payload(**overrides: Any) -> dict[str, Any]:
    """A valid body for POST /api/v1/reports: informal route, case review granted."""
    payload: dict[str, Any] = {
        "entity": "UNW",
        "category": "verbal",
        "route": "informal",
        "informal_channel": "ombudsperson",
        "narrative": NARRATIVE,
        "incident_date": "2024-03-01",
        "location_type": "field",
        "reporter_role": "affected_person",
        "identity_disclosure": "anonymous",
        "consents": {"case_review": True, "ombudsperson_referral": True},
    }
    payload.update(overrides)
    return payload


def record_only_payload(**overrides: Any) -> dict[str, Any]:
    return report_payload(
        **{"route": "record_only", "informal_channel": None, "consents": {}, **overrides}
    )


def submit(client: APIClient | None = None, **overrides: Any) -> dict[str, Any]:
    """Submit a report through the API; returns the 201 body (receipt and report)."""
    response = (client or APIClient()).post(
        "/api/v1/reports", report_payload(**overrides), format="json"
    )
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def sign_in(receipt: str) -> APIClient:
    """An API client carrying a reporter token obtained with ``receipt``."""
    client = APIClient()
    response = client.post("/api/v1/reporter/session", {"receipt": receipt}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    return client


def midnight_utc(day: date | None = None) -> datetime:
    return datetime.combine(day or timezone.now().date(), time(0), tzinfo=UTC)


# --- HTML -----------------------------------------------------------------------------------


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


# --- The intake wizard, walked as a browser walks it --------------------------------------

WIZARD_ANSWERS: dict[str, list[tuple[str, str]]] = {
    "about": [("reporter_role", "affected_person"), ("entity", "UNW")],
    "what": [
        ("category", "physical"),
        ("narrative", 'Line one.\nLine two with <b>tags</b> & "quotes".'),
        ("incident_date", "2024-03-01"),
        ("location_type", "headquarters"),
        ("perpetrator_name", "Pat Example"),
        ("perpetrator_role", "Team lead"),
        ("perpetrator_relationship", "my supervisor"),
    ],
    "identity": [
        ("identity_disclosure", "confidential"),
        ("name", "Amina Example"),
        ("email", "amina@example.org"),
        ("phone", ""),
    ],
    "route": [
        ("route", "informal"),
        ("informal_channel", "ombudsperson"),
        ("consent_case_review", "yes"),
        ("consent_ombudsperson_referral", "yes"),
        ("consent_statistics", "no"),
    ],
}


def _as_post_data(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


def current_step(html: bytes | str) -> str:
    steps = [a.get("value") for a in parse(html).inputs(type="hidden", name="step")]
    assert len(steps) == 1, steps
    return steps[0] or ""


STEP_NAMES = ("about", "what", "identity", "route")


def walk_intake(
    client: Client,
    answers: dict[str, list[tuple[str, str]]] | None = None,
    *,
    last_step: str = "route",
    uploads: dict[str, list[Any]] | None = None,
) -> list[Any]:
    """GET /report/ then post each step up to ``last_step`` with the page's own hidden fields
    plus that step's answers, as a browser without JavaScript does; returns every response,
    the last being the answer to ``last_step`` (the receipt page after "route"). ``uploads``
    are files sent with the last step, as the route step's file input sends them."""
    answers = answers or WIZARD_ANSWERS
    responses = [client.get("/report/")]
    for step in STEP_NAMES[: STEP_NAMES.index(last_step) + 1]:
        page = responses[-1]
        assert page.status_code == 200, page.content.decode()[:2000]
        assert current_step(page.content) == step
        # The carried answers of the other steps and this step's own, as the browser sends them.
        carried = [(n, v) for n, v in parse(page.content).hidden_fields() if n != "step"]
        own = {name for name, _ in answers[step]}
        pairs = [("step", step), *[(n, v) for n, v in carried if n not in own]]
        pairs += [*answers[step], ("next", "1")]
        data: dict[str, list[Any]] = dict(_as_post_data(pairs))
        if step == "route" and uploads:
            data.update(uploads)
        response = client.post("/report/", data)
        if response.status_code == 303:
            # The last step redirects to the one-time receipt page, which the browser then gets.
            response = client.get(response["Location"])
        responses.append(response)
    return responses


def final_step_data(client: Client) -> dict[str, list[str]]:
    """Walk the wizard up to the route step; the last step's post, as the browser sends it."""
    route_page = walk_intake(client, last_step="identity")[-1]
    assert current_step(route_page.content) == "route"
    own = {name for name, _value in WIZARD_ANSWERS["route"]}
    pairs = [(n, v) for n, v in parse(route_page.content).hidden_fields() if n not in own]
    pairs += [*WIZARD_ANSWERS["route"], ("next", "1")]
    return _as_post_data(pairs)


def receipt_on_page(html: bytes | str) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    found = re.search(r'class="receipt"[^>]*>\s*([^<\s]+)\s*<', text)
    assert found, "no receipt on the page"
    return found.group(1)


# --- Whole-database scans -------------------------------------------------------------------


def columns_containing(needle: str) -> list[str]:
    """Every ``table.column`` of the public schema whose value contains ``needle``, as text in
    a text or JSON column or as UTF-8 bytes in a binary column. Sees the current transaction."""
    found: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN "
            "('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'inet')"
        )
        columns = cursor.fetchall()
        for table, column, data_type in columns:
            qt, qc = connection.ops.quote_name(table), connection.ops.quote_name(column)
            if data_type == "bytea":
                sql = f"SELECT 1 FROM {qt} WHERE position(%s::bytea in {qc}) > 0 LIMIT 1"  # noqa: S608
                cursor.execute(sql, [needle.encode()])
            else:
                sql = f"SELECT 1 FROM {qt} WHERE strpos({qc}::text, %s) > 0 LIMIT 1"  # noqa: S608
                cursor.execute(sql, [needle])
            if cursor.fetchone():
                found.append(f"{table}.{column}")
    return found
