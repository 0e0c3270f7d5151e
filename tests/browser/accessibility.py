"""Accessibility checks in the browser: axe-core (bundled with ``axe-playwright-python``, served
from the test process, never from elsewhere) run on the page as the person sees it."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

_AXE = Axe()
# The WCAG 2.1 A and AA rules, and axe's best practices for landmarks and headings.
_RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def axe_violations(page: Page) -> list[str]:
    """Each violation axe finds on the page as it stands, as "rule: where" lines (empty when
    there is none). Injected through the browser's debugging protocol, which the page's Content
    Security Policy does not govern: the page itself still runs no inline script.

    axe runs as a script in the page, so the page's context must have JavaScript on (with it
    off, axe's timers never fire and the check waits for ever); the server sends the same HTML
    either way. Use the ``accessible_phone`` or ``staff_browser`` fixtures."""
    results = _AXE.run(page, options=_RULES)
    return [
        f"{violation['id']}: {node['target']}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, "\n".join(violations)
