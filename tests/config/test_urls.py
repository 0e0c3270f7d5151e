"""CSRF stays on for every form (issue 7): no page view of the URL map (``config.urls``) is
exempt from the check, and every form of the templates carries the token.

The JSON API is the only exception: its writes authenticate with a bearer token, never with a
cookie, so a cross-site form cannot act with a visitor's credentials there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]


def _patterns(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_no_page_view_is_exempt_from_the_csrf_check() -> None:
    pages = [
        (route, view) for route, view in _patterns() if not route.startswith(("api/", "^api/"))
    ]
    assert len(pages) > 10
    exempt = [route for route, view in pages if getattr(view, "csrf_exempt", False)]
    # The health check answers GET only (for the load balancer) and has no form.
    assert exempt == ["healthz"]


def test_every_form_on_the_reporter_and_staff_pages_carries_a_csrf_token() -> None:
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    posting = [t for t in templates if 'method="post"' in t.read_text()]
    assert len(posting) >= 5
    for template in posting:
        text = template.read_text()
        assert text.count('method="post"') <= text.count("{% csrf_token %}"), template
