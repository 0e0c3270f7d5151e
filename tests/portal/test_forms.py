"""The intake wizard at /report/ (``portal.forms``): a few short steps that work without
JavaScript, nothing stored until the last one, and every choice explained in plain words."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from audit.models import AuditEntry
from cases.models import Case
from portal.route_needs import route_may_use, route_needs
from reports.models import Consent, Report
from reports.vocabulary import (
    CHANNEL_EXPLANATIONS,
    CONSENT_EXPLANATIONS,
    ROUTE_EXPLANATIONS,
    ConsentAction,
)
from tests.helpers.html import parse
from tests.helpers.reporter import (
    WIZARD_ANSWERS,
    current_step,
    receipt_on_page,
    sign_in,
    walk_intake,
)
from vault.models import DataKey

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]


# --- The HTML wizard --------------------------------------------------------------------------


def test_html_wizard_walkthrough_creates_the_report_and_shows_a_receipt() -> None:
    client = Client()
    responses = walk_intake(client)
    receipt_page = responses[-1]

    assert receipt_page.status_code == 200, receipt_page.content.decode()[:3000]
    assert "no-store" in receipt_page["Cache-Control"]
    receipt = receipt_on_page(receipt_page.content)
    report = Report.objects.get()
    assert report.reference in receipt_page.content.decode()
    assert report.category == "physical"
    assert report.route == "informal"
    assert report.informal_channel == "ombudsperson"
    assert report.location_type == "headquarters"
    assert report.reporter_role == "affected_person"
    assert report.identity_disclosure == "confidential"
    assert Case.objects.filter(report=report, state="received").exists()

    # What was typed survived the hidden-field round trips intact, and the receipt opens it.
    view = sign_in(receipt).get("/api/v1/reporter/report").json()
    assert view["reference"] == report.reference
    assert view["narrative"] == dict(WIZARD_ANSWERS["what"])["narrative"]
    assert view["incident_date"] == "2024-03-01"
    assert view["identity"]["name"] == "Amina Example"
    assert view["alleged_perpetrator"]["name"] == "Pat Example"
    assert view["consents"]["case_review"] is True
    assert view["consents"]["ombudsperson_referral"] is True
    assert view["consents"]["statistics"] is False
    assert view["consents"]["mediation"] is False  # unanswered counts as no


def test_html_wizard_stores_nothing_before_the_last_step() -> None:
    client = Client()
    responses = walk_intake(client, last_step="person")

    assert [current_step(r.content) for r in responses] == [
        *("about", "what", "identity", "route", "channel", "consent", "consent_more"),
        *("person", "check"),
    ]
    assert Report.objects.count() == 0
    assert Consent.objects.count() == 0
    assert DataKey.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_html_wizard_keeps_no_answer_server_side_between_steps() -> None:
    client = Client()
    assert client.get("/report/").status_code == 200
    about = client.post(
        "/report/",
        {"step": "about", "reporter_role": "witness", "entity": "UNW", "next": "1"},
    )
    assert current_step(about.content) == "what"
    assert Report.objects.count() == 0
    assert Consent.objects.count() == 0
    # The answers travel with the form as hidden fields, not in a server-side session.
    carried = dict(parse(about.content).hidden_fields())
    assert carried["reporter_role"] == "witness"
    assert carried["entity"] == "UNW"


def test_consent_step_radios_start_unchecked() -> None:
    client = Client()
    responses = walk_intake(client, last_step="channel")
    consent_page = responses[-1]
    assert current_step(consent_page.content) == "consent"
    page = parse(consent_page.content)
    consent_radios = [
        attrs
        for attrs in page.inputs(type="radio")
        if (attrs.get("name") or "").startswith("consent_")
    ]
    # One yes/no question per consent of the route, and no answer given on the reporter's behalf.
    assert {attrs["name"] for attrs in consent_radios} == {
        f"consent_{action}" for action in route_needs("informal", "ombudsperson")
    }
    assert len(consent_radios) == 2 * len(route_needs("informal", "ombudsperson"))
    assert [a for a in consent_radios if "checked" in a] == []

    more_page = walk_intake(Client(), last_step="consent")[-1]
    assert current_step(more_page.content) == "consent_more"
    more_radios = parse(more_page.content).inputs(type="radio")
    assert len(more_radios) == 2 * len(route_may_use("informal", "ombudsperson"))
    assert [a for a in more_radios if "checked" in a] == []


def _page_after(step: str, **answers: str) -> str:
    base = {
        "reporter_role": "witness",
        "entity": "UNW",
        "category": "verbal",
        "narrative": "n",
        "identity_disclosure": "anonymous",
    }
    response = Client().post("/report/", {"step": step, **base, **answers})
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def test_every_route_channel_and_consent_is_explained_in_plain_words(entity: Any) -> None:
    # Informed choice: each question says what each choice means, on the page that asks it.
    route_page = _page_after("identity")
    assert 'name="step" value="route"' in route_page
    for text in ROUTE_EXPLANATIONS.values():
        assert escape(str(text)) in route_page, text
    channel_page = _page_after("route", route="informal")
    assert 'name="step" value="channel"' in channel_page
    for text in CHANNEL_EXPLANATIONS.values():
        assert escape(str(text)) in channel_page, text
    consent_pages = "".join(
        _page_after(step, route=route, informal_channel=channel)
        for route, channel in [("formal", ""), ("informal", "mediation"), ("support_only", "")]
        for step in ("channel", "consent")  # each consent screen: after it, the next one
    )
    for action, explanation in CONSENT_EXPLANATIONS.items():
        if action != ConsentAction.OMBUDSPERSON_REFERRAL:  # asked on the ombudsperson channel
            assert escape(str(explanation)) in consent_pages, explanation


def test_html_wizard_with_an_unknown_entity_stays_on_the_step_and_saves_nothing() -> None:
    response = Client().post(
        "/report/", {"step": "about", "reporter_role": "witness", "entity": "NOPE"}
    )
    assert response.status_code == 400
    assert b'name="step" value="about"' in response.content
    assert Report.objects.count() == 0
