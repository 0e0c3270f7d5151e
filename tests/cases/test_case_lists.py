"""The lists on a case that grow with it, a page at a time (issue 15): the case page's messages,
internal notes and audit trail show their latest page with a link to earlier ones, the audit
API pages the trail with a ``Link`` header, and none of them costs a query more per row."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEntry
from cases.models import Case
from cases.services.correspondence import note_add, staff_message_send
from reports.models import ConflictDeclaration
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db

NEXT_LINK = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


def _write(case: Case, actor: User, *, messages: int = 0, notes: int = 0) -> None:
    """``messages`` messages to the reporter and ``notes`` internal notes, numbered in the order
    they are written (each one also adds to the audit trail)."""
    for number in range(messages):
        staff_message_send(case=case, actor=actor, body=f"Message number {number}.")
    for number in range(notes):
        note_add(case=case, actor=actor, body=f"Note number {number}.")


def _numbers(html: str, word: str) -> list[int]:
    return [int(n) for n in re.findall(rf"{word} number (\d+)\.", html)]


def _earlier_link(html: str, name: str) -> str | None:
    """The href of the page's "earlier" link of list ``name``, if it has one."""
    found = re.search(rf'<a href="(\?{name}=[^"#]+#{name})">', html)
    return found[1] if found else None


def _audit_rows(html: str) -> int:
    return html[html.index('id="audit"') :].count("<tr><td>")


@pytest.fixture
def acknowledged(open_case: Callable[..., Case], walk_case: Callable[..., Case]) -> Case:
    return walk_case(open_case(), "acknowledged")


def test_the_case_page_shows_the_latest_messages_and_walks_back_to_the_first(
    acknowledged: Case, focal_point: User
) -> None:
    # Given a case with more messages and notes than one page holds
    _write(acknowledged, focal_point, messages=57, notes=53)
    client = signed_in(focal_point)
    url = f"/staff/cases/{acknowledged.pk}/"

    # When the focal point opens it, then follows "Earlier messages" to the end
    seen: list[int] = []
    pages = []
    href: str | None = ""
    while href is not None:
        html = client.get(f"{url}{href}").content.decode()
        pages.append(_numbers(html, "Message"))
        seen = pages[-1] + seen
        href = _earlier_link(html, "messages")
        # The message form stays on every page.
        assert 'name="body"' in html

    # Then each page is in the order written, the latest first, and nothing repeats or is
    # skipped
    assert [len(page) for page in pages] == [50, 7]
    assert pages[0] == list(range(7, 57))
    assert seen == list(range(57))


def test_notes_and_the_audit_trail_page_back_likewise(
    acknowledged: Case, focal_point: User
) -> None:
    _write(acknowledged, focal_point, notes=53)
    entries = AuditEntry.objects.filter(stream=str(acknowledged.report_id)).count()
    client = signed_in(focal_point)
    url = f"/staff/cases/{acknowledged.pk}/"

    first = client.get(url).content.decode()
    assert _numbers(first, "Note") == list(range(3, 53))
    earlier_notes = client.get(f"{url}{_earlier_link(first, 'notes')}").content.decode()
    assert _numbers(earlier_notes, "Note") == [0, 1, 2]
    assert _earlier_link(earlier_notes, "notes") is None
    assert "Back to the latest" in earlier_notes

    rows = _audit_rows(first)
    assert rows == 50
    earlier_entries = client.get(f"{url}{_earlier_link(first, 'audit')}").content.decode()
    # The first page's own read was audited after the first page was shown.
    assert _audit_rows(earlier_entries) == entries - 50 + 1
    assert "Chain intact." in earlier_entries


def test_a_cursor_the_page_did_not_give_is_refused_with_words(
    acknowledged: Case, focal_point: User
) -> None:
    response = signed_in(focal_point).get(
        f"/staff/cases/{acknowledged.pk}/?messages=not-a-cursor", follow=True
    )

    assert response.redirect_chain[-1][0] == f"/staff/cases/{acknowledged.pk}/"
    assert "This cursor is not one this list gave." in response.content.decode()


@pytest.mark.parametrize("client_kind", ["page", "api"])
def test_a_case_costs_the_same_queries_with_3_or_60_messages_notes_and_entries(
    client_kind: str,
    open_case: Callable[..., Case],
    walk_case: Callable[..., Case],
    focal_point: User,
    staff_api: Callable[[User], APIClient],
    django_assert_max_num_queries: Any,
) -> None:
    few = walk_case(open_case(), "acknowledged")
    many = walk_case(open_case(), "acknowledged")
    _write(few, focal_point, messages=3, notes=3)
    _write(many, focal_point, messages=60, notes=60)
    client: Client | APIClient = (
        signed_in(focal_point) if client_kind == "page" else staff_api(focal_point)
    )
    url = "/staff/cases/{}/" if client_kind == "page" else "/api/v1/cases/{}"
    client.get(url.format(few.pk))  # the session's first request

    with django_assert_max_num_queries(60) as small:
        assert client.get(url.format(few.pk)).status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url.format(many.pk)).status_code == 200


def _walk_audit(client: APIClient, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    pages: list[dict[str, Any]] = []
    links: list[str] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        found = NEXT_LINK.match(response.headers.get("Link", ""))
        if found is None:
            break
        links.append(found["url"])
        url = found["url"]
    return pages, links


def test_the_audit_api_pages_the_whole_chain_in_order_with_a_link_to_the_next(
    acknowledged: Case, focal_point: User, staff_api: Callable[[User], APIClient]
) -> None:
    _write(acknowledged, focal_point, messages=12)
    stream = AuditEntry.objects.filter(stream=str(acknowledged.report_id))
    before = list(stream.order_by("position").values_list("action", flat=True))

    pages, links = _walk_audit(
        staff_api(focal_point), f"/api/v1/cases/{acknowledged.pk}/audit?limit=7"
    )

    actions = [entry["action"] for page in pages for entry in page["entries"]]
    # Each page's export is itself audited, at the end of the chain: every entry from before
    # the walk comes once, in the chain's order, and the walk reads on into its own exports.
    assert actions[: len(before)] == before
    assert len(actions) == len(set(map(str, enumerate(actions))))
    assert all(len(page["entries"]) == 7 for page in pages[:-1])
    assert all(page["chain_valid"] is True for page in pages)
    assert all(urlsplit(link).path == f"/api/v1/cases/{acknowledged.pk}/audit" for link in links)
    assert all("limit=7" in link for link in links)


def test_the_audit_api_without_a_limit_holds_fifty_and_keeps_its_shape(
    acknowledged: Case, focal_point: User, staff_api: Callable[[User], APIClient]
) -> None:
    _write(acknowledged, focal_point, messages=55)

    response = staff_api(focal_point).get(f"/api/v1/cases/{acknowledged.pk}/audit")

    body = response.json()
    assert set(body) == {"entries", "chain_valid"}
    assert len(body["entries"]) == 50
    assert body["entries"][0]["action"] == "report.submitted"
    assert NEXT_LINK.match(response.headers["Link"])


@pytest.mark.parametrize(
    ("query", "field"),
    [("cursor=not-a-cursor", "cursor"), ("cursor=WyJ4IiwgInkiXQ", "cursor"), ("limit=0", "limit")],
)
def test_a_bad_audit_cursor_or_limit_is_a_validation_error_naming_it(
    query: str,
    field: str,
    acknowledged: Case,
    focal_point: User,
    staff_api: Callable[[User], APIClient],
) -> None:
    response = staff_api(focal_point).get(f"/api/v1/cases/{acknowledged.pk}/audit?{query}")

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert field in response.json()["fields"]


def test_an_audit_page_costs_the_same_queries_for_a_short_or_a_long_trail(
    open_case: Callable[..., Case],
    walk_case: Callable[..., Case],
    focal_point: User,
    staff_api: Callable[[User], APIClient],
    django_assert_max_num_queries: Any,
) -> None:
    short = walk_case(open_case(), "acknowledged")
    long = walk_case(open_case(), "acknowledged")
    _write(long, focal_point, messages=60)
    client = staff_api(focal_point)
    client.get(f"/api/v1/cases/{short.pk}/audit")

    with django_assert_max_num_queries(40) as small:
        client.get(f"/api/v1/cases/{short.pk}/audit?limit=500")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(f"/api/v1/cases/{long.pk}/audit?limit=500")


@pytest.mark.parametrize(("path", "word"), [("messages", "Message"), ("notes", "Note")])
def test_the_messages_and_notes_apis_page_newest_first_to_the_first(
    path: str,
    word: str,
    acknowledged: Case,
    focal_point: User,
    staff_api: Callable[[User], APIClient],
) -> None:
    _write(acknowledged, focal_point, messages=17, notes=17)
    client = staff_api(focal_point)

    seen: list[int] = []
    url: str | None = f"/api/v1/cases/{acknowledged.pk}/{path}?limit=5"
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200, response.content
        seen += [int(row["body"].split()[2].rstrip(".")) for row in response.json()]
        found = NEXT_LINK.match(response.headers.get("Link", ""))
        url = found["url"] if found else None

    assert seen == list(reversed(range(17))), word


@pytest.mark.parametrize("path", ["messages", "notes"])
def test_the_messages_and_notes_apis_cost_the_same_queries_for_3_or_60(
    path: str,
    open_case: Callable[..., Case],
    walk_case: Callable[..., Case],
    focal_point: User,
    staff_api: Callable[[User], APIClient],
    django_assert_max_num_queries: Any,
) -> None:
    few = walk_case(open_case(), "acknowledged")
    many = walk_case(open_case(), "acknowledged")
    _write(few, focal_point, messages=3, notes=3)
    _write(many, focal_point, messages=60, notes=60)
    client = staff_api(focal_point)
    client.get(f"/api/v1/cases/{few.pk}/{path}")

    with django_assert_max_num_queries(60) as small:
        client.get(f"/api/v1/cases/{few.pk}/{path}?limit=500")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(f"/api/v1/cases/{many.pk}/{path}?limit=500").json()) == 60


def test_a_bad_messages_cursor_is_a_validation_error_naming_it(
    acknowledged: Case, focal_point: User, staff_api: Callable[[User], APIClient]
) -> None:
    response = staff_api(focal_point).get(
        f"/api/v1/cases/{acknowledged.pk}/messages?cursor=WyJ4IiwgInkiXQ"
    )

    assert response.status_code == 400
    assert "cursor" in response.json()["fields"]


def test_a_members_declarations_of_conflict_page_newest_first_at_the_same_queries(
    focal_point: User,
    staff_api: Callable[[User], APIClient],
    django_assert_max_num_queries: Any,
) -> None:
    today = timezone.now().date()

    def declare(count: int, start: int) -> None:
        ConflictDeclaration.objects.bulk_create(
            [
                ConflictDeclaration(
                    staff=focal_point, person_index=f"p{n}", declared_on=today - timedelta(days=n)
                )
                for n in range(start, start + count)
            ]
        )

    declare(3, 0)
    client = staff_api(focal_point)
    client.get("/api/v1/conflicts")
    with django_assert_max_num_queries(20) as small:
        client.get("/api/v1/conflicts?limit=500")
    declare(57, 3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get("/api/v1/conflicts?limit=500").json()) == 60

    days: list[str] = []
    url: str | None = "/api/v1/conflicts?limit=25"
    while url is not None:
        response = client.get(url)
        days += [row["declared_on"] for row in response.json()]
        found = NEXT_LINK.match(response.headers.get("Link", ""))
        url = found["url"] if found else None
    assert days == [(today - timedelta(days=n)).isoformat() for n in range(60)]
