"""The intake links route and consent (issue 11, item 4; "support only" from item 5): each
branch of the wizard, the check page before sending, and the ties between fields and words."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from portal.route_needs import route_consents, route_may_use, route_needs
from reports.models import Report
from reports.vocabulary import CONSENT_WITHOUT, ConsentAction
from tests.helpers.html import parse
from tests.helpers.reporter import (
    WIZARD_ANSWERS,
    current_step,
    receipt_on_page,
    sign_in,
    walk_intake,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]

SEALED = escape(str(CONSENT_WITHOUT[ConsentAction.CASE_REVIEW]))


def _answers(**steps: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    return {**WIZARD_ANSWERS, **steps}


def _steps_walked(answers: dict[str, list[tuple[str, str]]]) -> list[str]:
    pages = walk_intake(Client(), answers)
    return [current_step(page.content) for page in pages[:-1]]  # the last is the receipt


def _consent_questions(html: bytes) -> set[str]:
    names = {a.get("name") or "" for a in parse(html).inputs(type="radio")}
    return {name.removeprefix("consent_") for name in names if name.startswith("consent_")}


def test_the_informal_channel_is_asked_only_on_the_informal_route() -> None:
    formal = _answers(route=[("route", "formal")])
    assert "channel" not in _steps_walked(formal)
    assert "channel" in _steps_walked(WIZARD_ANSWERS)

    pages = walk_intake(Client(), formal, last_step="route")
    assert current_step(pages[-1].content) == "consent"
    assert parse(pages[-1].content).inputs(name="informal_channel") == []


def test_a_channel_left_from_an_earlier_informal_choice_is_not_sent_with_a_formal_route() -> None:
    client = Client()
    walk_intake(client, _answers(route=[("route", "formal")], channel=[]))
    assert Report.objects.get().informal_channel == ""


def test_the_consent_steps_ask_only_the_consents_of_the_chosen_route() -> None:
    for route, channel in [("formal", ""), ("support_only", ""), ("informal", "mediation")]:
        answers = _answers(route=[("route", route)], channel=[("informal_channel", channel)])
        last = "channel" if route == "informal" else "route"
        pages = walk_intake(Client(), answers, last_step=last)
        assert current_step(pages[-1].content) == "consent"
        assert _consent_questions(pages[-1].content) == set(route_needs(route, channel))
        more = walk_intake(Client(), answers, last_step="consent")[-1]
        assert current_step(more.content) == "consent_more"
        assert _consent_questions(more.content) == set(route_may_use(route, channel))
        assert set(route_needs(route, channel)) | set(route_may_use(route, channel)) == set(
            route_consents(route, channel)
        )


def test_no_consent_screen_asks_more_than_three_questions_on_any_route() -> None:
    """Issue 11, item 4: the formal route's six consent questions were one long phone screen;
    what the route needs and what it may use are now a screen each."""
    routes = [("formal", ""), ("support_only", ""), ("undecided", ""), ("record_only", "")]
    routes += [("informal", channel) for channel in ("ombudsperson", "mediation")]
    routes += [("informal", "manager_intervention")]
    for route, channel in routes:
        answers = _answers(route=[("route", route)], channel=[("informal_channel", channel)])
        pages = walk_intake(Client(), answers, last_step="consent_more")
        asked = [
            _consent_questions(page.content)
            for page in pages
            if current_step(page.content) in ("consent", "consent_more")
        ]
        assert asked, route
        assert all(1 <= len(questions) <= 3 for questions in asked), (route, channel, asked)
        assert set().union(*asked) == set(route_consents(route, channel))


def test_a_dated_record_asks_no_consent_to_go_ahead_only_the_statistics_question() -> None:
    record = _answers(route=[("route", "record_only")])
    steps = _steps_walked(record)
    assert "consent" not in steps
    page = walk_intake(Client(), record, last_step="route")[-1]
    assert current_step(page.content) == "consent_more"
    assert _consent_questions(page.content) == {"statistics"}


def test_what_a_route_needs_comes_from_the_rules_that_enforce_it() -> None:
    assert route_needs("formal") == [
        ConsentAction.CASE_REVIEW,
        ConsentAction.FORMAL_INVESTIGATION,
        ConsentAction.CONTACT_ALLEGED_PERPETRATOR,
    ]
    assert route_needs("informal", "mediation") == [
        ConsentAction.CASE_REVIEW,
        ConsentAction.MEDIATION,
        ConsentAction.CONTACT_ALLEGED_PERPETRATOR,
    ]
    assert route_needs("support_only") == [
        ConsentAction.CASE_REVIEW,
        ConsentAction.SUPPORT_REFERRAL,
    ]
    assert route_needs("record_only") == []


def test_support_only_skips_the_questions_that_matter_only_for_a_case() -> None:
    support = _answers(route=[("route", "support_only")])
    assert "person" not in _steps_walked(support)

    pages = walk_intake(Client(), support, last_step="consent")
    asked = [_consent_questions(page.content) for page in pages[-2:]]
    assert asked == [{"case_review", "support_referral"}, {"statistics"}]
    receipt = receipt_on_page(walk_intake(Client(), support)[-1].content)
    view = sign_in(receipt).get("/api/v1/reporter/report").json()
    assert view["route"] == "support_only"
    assert view["alleged_perpetrator"] is None  # nothing asked, nothing kept


def test_the_route_step_says_which_consents_each_route_needs_and_preselects_nothing() -> None:
    page = walk_intake(Client(), last_step="identity")[-1]
    assert current_step(page.content) == "route"
    html = page.content.decode()
    routes = parse(page.content).inputs(type="radio", name="route")
    assert len(routes) == 5
    assert [r for r in routes if "checked" in r] == []
    for consent in route_needs("formal"):
        assert escape(str(consent.label)) in html


def test_the_check_page_lists_every_answer_with_a_change_for_each_step() -> None:
    page = walk_intake(Client(), last_step="person")[-1]
    html = page.content.decode()
    assert current_step(page.content) == "check"
    changes = [
        a.get("value") for tag, a in parse(page.content).elements if a.get("name") == "change"
    ]
    assert changes == [
        *("about", "what", "identity", "route", "channel", "consent", "consent_more", "person")
    ]
    for step_answers in WIZARD_ANSWERS.values():
        for name, value in step_answers:
            if name in ("narrative", "name", "email", "perpetrator_name", "perpetrator_role"):
                assert escape(value).replace("\n", "<br>") in html, name
    assert Report.objects.count() == 0


def test_the_check_page_warns_before_sending_when_the_route_cannot_go_ahead() -> None:
    """Issue 11: the ombudsperson chosen but no consent to review was silently sealed."""
    unconsented = _answers(consent=[])
    page = walk_intake(Client(), unconsented, last_step="person")[-1]
    html = page.content.decode()
    assert SEALED in html
    assert escape(str(CONSENT_WITHOUT[ConsentAction.OMBUDSPERSON_REFERRAL])) in html
    assert Report.objects.count() == 0

    consented = walk_intake(Client(), last_step="person")[-1].content.decode()
    assert "cannot go ahead" not in consented
    assert SEALED not in consented


def test_a_change_from_the_check_page_returns_to_it_with_the_new_answer() -> None:
    client = Client()
    check = walk_intake(client, last_step="person")[-1]
    data = dict(parse(check.content).hidden_fields())

    route_page = client.post("/report/", {**data, "change": "consent"})
    assert current_step(route_page.content) == "consent"
    checked = [a for a in parse(route_page.content).inputs(type="radio") if "checked" in a]
    assert {(a["name"], a["value"]) for a in checked} >= {("consent_case_review", "yes")}

    carried = dict(parse(route_page.content).hidden_fields())
    again = client.post(
        "/report/",
        {
            **carried,
            "consent_case_review": "no",
            "consent_ombudsperson_referral": "yes",
            "next": "1",
        },
    )
    assert current_step(again.content) == "check"
    assert SEALED in again.content.decode()


def test_a_change_of_route_from_the_check_page_asks_the_new_route_s_channel_and_consents() -> None:
    client = Client()
    formal = walk_intake(client, _answers(route=[("route", "formal")]), last_step="person")
    data = dict(parse(formal[-1].content).hidden_fields())
    route_page = client.post("/report/", {**data, "change": "route"})
    carried = dict(parse(route_page.content).hidden_fields())

    channel_page = client.post("/report/", {**carried, "route": "informal", "next": "1"})
    assert current_step(channel_page.content) == "channel"
    carried = dict(parse(channel_page.content).hidden_fields())
    consent_page = client.post(
        "/report/", {**carried, "informal_channel": "mediation", "next": "1"}
    )
    assert current_step(consent_page.content) == "consent"
    assert _consent_questions(consent_page.content) == set(route_needs("informal", "mediation"))
    carried = dict(parse(consent_page.content).hidden_fields())
    # The new route's other questions, never answered before, come next; then the check page.
    more = client.post("/report/", {**carried, "consent_case_review": "yes", "next": "1"})
    assert current_step(more.content) == "consent_more"
    assert _consent_questions(more.content) == set(route_may_use("informal", "mediation"))
    carried = dict(parse(more.content).hidden_fields())
    check = client.post("/report/", {**carried, "consent_interim_measures": "yes", "next": "1"})
    assert current_step(check.content) == "check"
    assert escape(str(CONSENT_WITHOUT[ConsentAction.MEDIATION])) in check.content.decode()
    # Every answer reaches the report: the statistics "no" given before the change is kept.
    client.post("/report/", {**dict(parse(check.content).hidden_fields()), "next": "1"})
    consents = Report.objects.get().current_consents()
    assert consents["case_review"] is True
    assert consents["interim_measures"] is True
    assert consents["mediation"] is False
    assert consents["statistics"] is False


def test_a_witness_reads_questions_written_for_a_witness() -> None:
    witness = _answers(about=[("reporter_role", "witness"), ("entity", "UNW")])
    page = walk_intake(Client(), witness, last_step="about")[-1]
    html = page.content.decode()
    assert current_step(page.content) == "what"
    assert "What you saw or heard</h1>" in html
    assert "What did you see or hear?" in html
    assert "What happened?" not in html

    affected = walk_intake(Client(), last_step="about")[-1].content.decode()
    assert "What happened?" in affected
    assert "What did you see or hear?" not in affected


def _ids_and_references(html: bytes) -> tuple[set[str], list[str]]:
    elements = parse(html).elements
    ids = {a.get("id") or "" for _tag, a in elements}
    refs = [ref for _tag, a in elements for ref in (a.get("aria-describedby") or "").split()]
    return ids, refs


def test_every_aria_describedby_on_every_intake_page_points_at_an_id_that_exists() -> None:
    pages = walk_intake(Client(), last_step="person")
    refused = Client().post(
        "/report/", {"step": "what", "reporter_role": "witness", "entity": "UNW"}
    )
    described = 0
    for page in [*pages, refused]:
        ids, refs = _ids_and_references(page.content)
        assert set(refs) <= ids, (current_step(page.content), set(refs) - ids)
        described += len(refs)
    assert described > 20


def test_each_consent_question_is_tied_to_its_explanation_and_consequence() -> None:
    page = walk_intake(Client(), last_step="channel")[-1]
    groups = [a for tag, a in parse(page.content).elements if tag == "fieldset"]
    references = {a.get("aria-describedby") for a in groups}
    assert "id_consent_case_review_helptext id_consent_case_review_without" in references


def test_errors_are_listed_at_the_top_linked_to_their_fields_and_marked_invalid() -> None:
    response = Client().post(
        "/report/",
        {"step": "what", "reporter_role": "affected_person", "entity": "UNW", "narrative": " "},
    )
    assert response.status_code == 400
    elements = parse(response.content).elements
    ids = {a.get("id") or "" for _tag, a in elements}
    summary_links = [
        (a.get("href") or "")[1:]
        for tag, a in elements
        if tag == "a" and (a.get("href") or "").startswith("#id_")
    ]
    assert summary_links == ["id_category_0", "id_narrative"]
    assert set(summary_links) <= ids
    invalid = {a.get("id") for _tag, a in elements if a.get("aria-invalid") == "true"}
    assert {"id_category_0", "id_narrative"} <= invalid
    assert "id_incident_date" not in invalid


def test_an_unanswered_route_is_an_error_linked_to_its_first_choice(entity: Any) -> None:
    page = walk_intake(Client(), _answers(route=[]), last_step="route")[-1]
    assert page.status_code == 400
    assert current_step(page.content) == "route"
    elements = parse(page.content).elements
    assert any(tag == "a" and a.get("href") == "#id_route_0" for tag, a in elements)
    assert all(a.get("aria-invalid") == "true" for a in parse(page.content).inputs(name="route"))
