"""Headers for content that must not be cached or embedded, read off the live gunicorn server
(issue 7, item 5), and what its access log keeps of the requests."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import AppServer
from tests.browser.journeys import PASSWORD
from tests.helpers.reporter import report_payload
from tests.helpers.staff import authenticator_code

USER_AGENT = "UpstanderHeaderProbe/1.0"


def _request(
    app_server: AppServer,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    token: str = "",
) -> tuple[int, dict[str, str], bytes]:
    headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 (the loopback server under test)
        app_server.url + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers=headers,
        method=method,
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


def _assert_not_embeddable(headers: dict[str, str]) -> None:
    assert headers["permissions-policy"] == "camera=(), microphone=(), geolocation=()"
    assert headers["cross-origin-resource-policy"] == "same-origin"
    # No version banner: whatever names the server, no version number goes with it.
    assert not re.search(r"\d", headers.get("server", "")), headers.get("server")


def _assert_not_stored(headers: dict[str, str]) -> None:
    assert "no-store" in headers["cache-control"], headers.get("cache-control")


@pytest.fixture
def contract_client_story(
    app_server: AppServer, browser_focal_point: Any
) -> dict[str, tuple[int, dict[str, str], bytes]]:
    """A client's walk through the API answers that carry secrets or decrypted content."""
    answers: dict[str, tuple[int, dict[str, str], bytes]] = {}
    answers["POST /api/v1/reports"] = created = _request(
        app_server, "POST", "/api/v1/reports", report_payload()
    )
    receipt = json.loads(created[2])["receipt"]
    answers["POST /api/v1/reporter/session"] = session = _request(
        app_server, "POST", "/api/v1/reporter/session", {"receipt": receipt}
    )
    reporter_token = json.loads(session[2])["token"]
    answers["GET /api/v1/reporter/report"] = _request(
        app_server, "GET", "/api/v1/reporter/report", token=reporter_token
    )
    answers["POST /api/v1/auth/token"] = staff = _request(
        app_server,
        "POST",
        "/api/v1/auth/token",
        {
            "username": browser_focal_point.username,
            "password": PASSWORD,
            "otp": authenticator_code(browser_focal_point.totp_secret),
        },
    )
    staff_token = json.loads(staff[2])["token"]
    answers["GET /api/v1/cases"] = cases = _request(
        app_server, "GET", "/api/v1/cases", token=staff_token
    )
    case_id = json.loads(cases[2])[0]["id"]
    answers["GET /api/v1/cases/{id}"] = _request(
        app_server, "GET", f"/api/v1/cases/{case_id}", token=staff_token
    )
    return answers


def test_api_answers_with_receipts_narratives_or_case_content_are_never_stored(
    contract_client_story: dict[str, tuple[int, dict[str, str], bytes]],
) -> None:
    narrative = report_payload()["narrative"]
    assert narrative.encode() in contract_client_story["GET /api/v1/cases/{id}"][2]
    assert narrative.encode() in contract_client_story["GET /api/v1/reporter/report"][2]
    for name, (status, headers, _body) in contract_client_story.items():
        assert status in (200, 201), name
        _assert_not_stored(headers)
        _assert_not_embeddable(headers)


def test_pages_and_static_files_deny_camera_microphone_location_and_embedding(
    app_server: AppServer, browser_entity: Any
) -> None:
    for path in ("/", "/report/", "/access/", "/staff/login/"):
        status, headers, _body = _request(app_server, "GET", path)
        assert status == 200, path
        _assert_not_embeddable(headers)
        _assert_not_stored(headers)
        assert headers["referrer-policy"] == "same-origin"
    status, headers, _body = _request(app_server, "GET", "/static/css/upstander.css")
    assert status == 200
    _assert_not_embeddable(headers)


def test_another_site_cannot_load_our_resources(
    browser: Browser, app_server: AppServer, neutral_site: Any, browser_entity: Any
) -> None:
    """A page of another origin that tries to load our script is refused by the browser."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(neutral_site.url)
    outcome = page.evaluate(
        """url => new Promise(resolve => {
            const script = document.createElement("script");
            script.src = url;
            script.onload = () => resolve("loaded");
            script.onerror = () => resolve("blocked");
            document.head.appendChild(script);
        })""",
        app_server.url + "/static/js/quick-exit.js",
    )
    context.close()
    assert outcome == "blocked"


def test_the_access_log_keeps_no_address_and_no_user_agent(
    contract_client_story: dict[str, tuple[int, dict[str, str], bytes]], app_server: AppServer
) -> None:
    log = app_server.log_path.read_text()
    assert "/api/v1/cases" in log  # staff API requests are logged ...
    assert "127.0.0.1" not in log.replace(app_server.url, "")  # ... without the client address
    assert USER_AGENT not in log
    assert "Chrome" not in log
