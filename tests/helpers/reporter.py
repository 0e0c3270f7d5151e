"""The reporter, as the tests play them: consents to give, a report submitted through the API,
signing in with the receipt, the intake wizard walked like a browser without JavaScript."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from reports.models import Consent, Report, ReporterSession
from reports.vocabulary import ConsentAction
from tests.helpers.html import parse

NARRATIVE = "He kept commenting on my clothes in team meetings and sent messages at night."

# Every consent the reporter can give.
ALL_CONSENTS: dict[str, bool] = dict.fromkeys(ConsentAction.values, True)
# What a case on the ombudsperson channel needs to reach any state, formal process included,
# and to be referred to a support service; not identity disclosure, mediation or statistics.
WORKFLOW_CONSENTS: dict[str, bool] = {
    "case_review": True,
    "ombudsperson_referral": True,
    "formal_investigation": True,
    "contact_alleged_perpetrator": True,
    "support_referral": True,
}

# The receipt of each report the ``submit_report`` fixture filed, by report id: a receipt is
# stored nowhere else, and a case loaded afresh no longer carries it.
RECEIPTS: dict[Any, str] = {}


def receipt_of(case_or_report: Any) -> str:
    """The receipt of a report filed by ``submit_report`` (given the report or its case)."""
    return RECEIPTS[getattr(case_or_report, "report_id", None) or case_or_report.pk]


def record_withdrawal(report: Report, action: str) -> Consent:
    """The reporter's withdrawal of ``action`` as the consent history records it, without the
    portal's other effects (resealing, alerts): for what a later step sees."""
    return Consent.objects.create(
        report=report,
        action=action,
        granted=False,
        source=Consent.Source.PORTAL,
        recorded_at=timezone.now(),
    )


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


def consent_change(reporter: APIClient, action: str, *, granted: bool) -> dict[str, Any]:
    """The signed-in reporter grants or withdraws ``action`` in the portal; returns the report as
    they then see it."""
    response = reporter.post(
        "/api/v1/reporter/consents", {"action": action, "granted": granted}, format="json"
    )
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def midnight_utc(day: date | None = None) -> datetime:
    return datetime.combine(day or timezone.now().date(), time(0), tzinfo=UTC)


def expire_reporter_sessions() -> None:
    """Every reporter session reaches its idle limit, as if 15 minutes passed without a request."""
    ReporterSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))


# --- The intake wizard, walked as a browser walks it ------------------------------------------

WIZARD_ANSWERS: dict[str, list[tuple[str, str]]] = {
    "about": [("reporter_role", "affected_person"), ("entity", "UNW")],
    "what": [
        ("category", "physical"),
        ("narrative", 'Line one.\nLine two with <b>tags</b> & "quotes".'),
        ("incident_date", "2024-03-01"),
        ("location_type", "headquarters"),
    ],
    "identity": [
        ("identity_disclosure", "confidential"),
        ("name", "Amina Example"),
        ("email", "amina@example.org"),
        ("phone", ""),
    ],
    "route": [("route", "informal")],
    "channel": [("informal_channel", "ombudsperson")],
    "consent": [
        ("consent_case_review", "yes"),
        ("consent_ombudsperson_referral", "yes"),
    ],
    "consent_more": [("consent_statistics", "no")],
    "person": [
        ("perpetrator_name", "Pat Example"),
        ("perpetrator_role", "Team lead"),
        ("perpetrator_relationship", "my supervisor"),
    ],
    "check": [],
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


def walk_intake(
    client: Client,
    answers: dict[str, list[tuple[str, str]]] | None = None,
    *,
    last_step: str = "check",
    uploads: dict[str, list[Any]] | None = None,
) -> list[Any]:
    """GET /report/ then post each step the pages ask, up to ``last_step``, with the page's own
    hidden fields plus that step's answers, as a browser without JavaScript does; returns every
    response, the last being the answer to ``last_step`` (the receipt page after "check").
    Which steps come depends on the answers (the route decides some). ``uploads`` are files
    sent with the last step, as the check page's file input sends them."""
    answers = answers or WIZARD_ANSWERS
    responses = [client.get("/report/")]
    while True:
        page = responses[-1]
        assert page.status_code == 200, page.content.decode()[:2000]
        step = current_step(page.content)
        # The carried answers of the other steps and this step's own, as the browser sends them.
        carried = [(n, v) for n, v in parse(page.content).hidden_fields() if n != "step"]
        own = {name for name, _ in answers.get(step, [])}
        pairs = [("step", step), *[(n, v) for n, v in carried if n not in own]]
        pairs += [*answers.get(step, []), ("next", "1")]
        data: dict[str, list[Any]] = dict(_as_post_data(pairs))
        if step == "check" and uploads:
            data.update(uploads)
        response = client.post("/report/", data)
        if response.status_code == 303:
            # The last step redirects to the one-time receipt page, which the browser then gets.
            response = client.get(response["Location"])
        responses.append(response)
        if step == last_step:
            return responses


def final_step_data(client: Client) -> dict[str, list[str]]:
    """Walk the wizard up to the check page; the last step's post, as the browser sends it."""
    check_page = walk_intake(client, last_step="person")[-1]
    assert current_step(check_page.content) == "check"
    pairs = [(n, v) for n, v in parse(check_page.content).hidden_fields()]
    pairs += [("next", "1")]
    return _as_post_data(pairs)


def receipt_on_page(html: bytes | str) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    # The receipt is drawn group by group (each kept whole, breaks only between): its text is
    # the groups and separators without the markup.
    found = re.search(r'class="receipt"[^>]*>(.*?)</p>', text, re.S)
    assert found, "no receipt on the page"
    return re.sub(r"<[^>]+>|\s", "", found.group(1))
