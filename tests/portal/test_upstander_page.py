"""Issue 12, item 1: the upstander page, public and without JavaScript: the five Ds, each with
what this service offers for it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from referrals.models import ServiceEntry, ServiceKind
from tests.helpers.html import Page, content_policy_violations, parse, quick_exit_links

pytestmark = pytest.mark.django_db


def _checked(page: Page, name: str) -> list[str | None]:
    return [attrs.get("value") for attrs in page.inputs(name=name) if "checked" in attrs]


def test_the_upstander_page_is_public_and_names_the_five_ds(entity: Any) -> None:
    response = Client().get("/upstander/")

    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'<h2 id="(\w+)">', html) == [
        "distract",
        "delegate",
        "document",
        "delay",
        "direct",
    ]
    assert content_policy_violations(html) == []
    assert quick_exit_links(html)


def test_delegate_links_to_the_focal_point_and_the_support_directory(entity: Any) -> None:
    entity.focal_point_contact = "Focal point office, room 4.12, ext 5555"
    entity.save(update_fields=["focal_point_contact"])

    html = Client().get("/upstander/").content.decode()

    assert "Focal point office, room 4.12, ext 5555" in html
    assert f'href="/support/{entity.code}/"' in html


def test_the_support_directory_shows_the_focal_point_contact(entity: Any) -> None:
    entity.focal_point_contact = "focal.point@example.org"
    entity.save(update_fields=["focal_point_contact"])
    ServiceEntry.objects.create(entity=entity, kind=ServiceKind.MEDICAL, name="Medical Service")

    html = Client().get(f"/support/{entity.code}/").content.decode()

    assert "The focal point for harassment" in html
    assert "focal.point@example.org" in html


@pytest.mark.usefixtures("entity")
def test_delay_writes_out_the_support_directory_and_the_service_address() -> None:
    html = Client().get("/upstander/").content.decode()
    assert re.findall(r'<span class="address">([^<]*)</span>', html) == [
        "http://testserver/support/",
        "http://testserver/",
    ]
    assert "Are you all right?" in html


@pytest.mark.usefixtures("entity")
def test_document_opens_the_intake_as_a_witness_with_a_record_only_route() -> None:
    html = Client().get("/upstander/").content.decode()
    link = "/report/?reporter_role=witness&amp;route=record_only"
    assert f'<a class="button" href="{link}">Keep a dated record of what I saw</a>' in html

    intake = parse(Client().get(link.replace("&amp;", "&")).content)

    # The role is chosen on the first step, visibly; the route travels to its own step.
    assert _checked(intake, "reporter_role") == ["witness"]
    assert ("route", "record_only") in intake.hidden_fields()
    # A link carries no consent.
    assert not [name for name, _ in intake.hidden_fields() if name.startswith("consent_")]


@pytest.mark.usefixtures("entity")
def test_the_route_step_shows_the_linked_route_chosen_and_changeable() -> None:
    browser = Client()
    first = parse(browser.get("/report/?reporter_role=witness&route=record_only").content)
    answers = dict(first.hidden_fields())
    answers.update(reporter_role="witness", entity="UNW")
    what = parse(browser.post("/report/", {**answers, "step": "about"}).content)
    answers = dict(what.hidden_fields())
    answers.update(
        category="verbal",
        narrative="I saw him block her way at the lift.",
        affected_person_identifiable="no",
    )
    identity = parse(browser.post("/report/", {**answers, "step": "what"}).content)
    answers = dict(identity.hidden_fields())
    answers.update(identity_disclosure="anonymous")

    route = parse(browser.post("/report/", {**answers, "step": "identity"}).content)

    assert _checked(route, "route") == ["record_only"]
    assert len(route.inputs(name="route", type="radio")) == 5


@pytest.mark.usefixtures("entity")
def test_a_link_cannot_carry_a_consent_or_an_unknown_answer() -> None:
    page = parse(
        Client().get("/report/?route=nonsense&consent_case_review=yes&reporter_role=boss").content
    )
    carried = {name for name, _ in page.hidden_fields()}
    assert carried == {"csrfmiddlewaretoken", "step", "intake_form_key"}
    assert _checked(page, "reporter_role") == []


@pytest.mark.usefixtures("entity")
@pytest.mark.parametrize(
    "path", ["/", "/report/", "/access/", "/support/", "/staying-safe/", "/upstander/"]
)
def test_every_reporter_page_links_to_the_upstander_page(path: str) -> None:
    html = Client().get(path).content.decode()
    assert 'href="/upstander/"' in html
