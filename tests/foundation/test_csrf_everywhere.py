"""CSRF stays on for every form (issue 7): no page view is exempt from the check.

The JSON API is the only exception: its writes authenticate with a bearer token, never with a
cookie, so a cross-site form cannot act with a visitor's credentials there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
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


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the script as another user")
def test_the_test_command_names_the_install_command_when_it_cannot_install_the_browser() -> None:
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is part of every Debian system"
    # A folder the unprivileged user can read (pytest's own temporary folders are private).
    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o755)
    script = folder / "ensure_chromium.sh"
    script.write_bytes((ROOT / "tests/browser/ensure_chromium.sh").read_bytes())
    script.chmod(0o755)

    try:
        result = subprocess.run(
            [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "sh", str(script)],
            env={"PATH": os.environ["PATH"], "UPSTANDER_CHROMIUM": "/nonexistent/chromium"},
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        shutil.rmtree(folder)

    assert result.returncode == 1
    assert "apt-get install -y chromium" in result.stderr
