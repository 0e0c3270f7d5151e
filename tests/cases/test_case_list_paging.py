"""The case lists a page at a time (issue 15): the staff queue in each of its orders and filters,
and the API's list with its filters, follow their "next" links to the end without repeating or
skipping a case, and cost the same queries with 3 cases as with 60."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from cases.models import Case
from cases.selectors import (
    QUEUE_ORDER,
    QUEUE_PAGE,
    QueueSection,
    QueueSort,
    case_list,
    reference_start,
)
from cases.vocabulary import CaseState
from reports.models import Report
from tests.helpers.queue import case_copies
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db

NEXT_LINK = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')
ROW_LINK = re.compile(r'href="/staff/cases/(?P<id>[0-9a-f-]{36})/"')
NEXT_PAGE = re.compile(r'<a href="(?P<url>/staff/\?[^"]*)" rel="next">')


# The report's sealed columns.
REPORTER_WRITTEN = ("narrative", "incident_date", "identity", "alleged_perpetrator")


@pytest.fixture
def cases(open_case: Callable[..., Case]) -> Callable[[int], list[Case]]:
    first: list[Case] = []

    def make(count: int) -> list[Case]:
        if not first:
            first.append(open_case())
            count -= 1
        return (
            [first[0], *case_copies(first[0], count)]
            if len(first) == 1
            else case_copies(first[0], count)
        )

    return make


def _walk_page(client: Client, url: str) -> list[list[str]]:
    """Follow the page's "Next page" links from ``url``: the case ids of each page."""
    pages: list[list[str]] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append(ROW_LINK.findall(html))
        found = NEXT_PAGE.search(html)
        url = unescape(found["url"]) if found else ""
    return pages


def _walk_api(client: APIClient, url: str) -> list[list[str]]:
    pages: list[list[str]] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append([row["id"] for row in response.json()])
        found = NEXT_LINK.match(response.headers.get("Link", ""))
        url = found["url"] if found else ""
    return pages


PAGE_QUERIES = [
    "",
    "sort=deadline",
    "sort=-received",
    "sort=received",
    "state=acknowledged",
    "show=new",
    "show=overdue",
    "show=soon",
    "label=urgent",
    "assigned=me",
    "sort=received&label=urgent&state=closed",
]


def test_the_queue_walks_every_order_and_filter_to_its_end_without_repeat_or_skip(
    cases: Callable[[int], list[Case]], focal_point: User
) -> None:
    made = cases(2 * QUEUE_PAGE + 7)
    for case in made[::4]:
        Case.objects.filter(pk=case.pk).update(assigned_to=focal_point)
    client = signed_in(focal_point)

    for query in PAGE_QUERIES:
        pages = _walk_page(client, f"/staff/?{query}")
        walked = [case_id for page in pages for case_id in page]
        # The same cases, in the same order, as the whole list read at once.
        assert walked == _whole_queue(focal_point, query), query
        assert walked, query
        assert all(len(page) == QUEUE_PAGE for page in pages[:-1]), query
        assert len(set(walked)) == len(walked), query
    assert len(_walk_page(client, "/staff/")) == 3


def _whole_queue(user: User, query: str) -> list[str]:
    """The queue's cases with the same filters, read in one go in the order's full sort."""
    asked = QueryDict(query)
    show = asked.get("show", "")
    whole = case_list(
        user,
        state=asked.get("state", ""),
        due={"overdue": "overdue", "soon": "soon"}.get(show, ""),
        assigned_to_me=asked.get("assigned") == "me",
        label=asked.get("label", ""),
    )
    if show == QueueSection.NEW:
        whole = whole.filter(state=CaseState.RECEIVED, acknowledged_at__isnull=True)
    keys = QUEUE_ORDER[QueueSort(asked.get("sort") or QueueSort.DEADLINE)]
    return [str(row.id) for row in whole.order_by(*(key.order() for key in keys))]


def test_the_api_walks_each_filter_to_its_end_without_repeat_or_skip(
    cases: Callable[[int], list[Case]],
    focal_point: User,
    staff_api: Callable[[User], APIClient],
) -> None:
    made = cases(40)
    for case in made[::3]:
        Case.objects.filter(pk=case.pk).update(assigned_to=focal_point)
    client = staff_api(focal_point)
    everything = [str(c.id) for c in sorted(made, key=lambda c: (c.opened_at, c.id), reverse=True)]

    for query, wanted in [
        ("", everything),
        ("assigned=me", [str(c.id) for c in made[::3]]),
        ("label=urgent", [str(c.id) for c in made if "urgent" in c.labels]),
        ("state=closed", [str(c.id) for c in made if c.state == CaseState.CLOSED]),
    ]:
        pages = _walk_api(client, f"/api/v1/cases?limit=7&{query}")
        walked = [case_id for page in pages for case_id in page]
        assert walked == [case_id for case_id in everything if case_id in wanted], query
        assert all(len(page) == 7 for page in pages[:-1])


def test_the_reference_search_finds_cases_by_the_start_of_their_reference(
    cases: Callable[[int], list[Case]],
    focal_point: User,
    second_focal_point: User,
    staff_api: Callable[[User], APIClient],
) -> None:
    made = cases(5)
    target = Report.objects.get(case=made[3])
    middle = target.reference[4:8]

    api = staff_api(focal_point)
    for typed in (target.reference, target.reference[:6].lower(), target.reference[2:7]):
        found = api.get("/api/v1/cases", {"reference": typed}).json()
        assert str(made[3].id) in [row["id"] for row in found], typed
    # The middle of a code is not its start: no index could seek it, and no case is found by it
    # (unless another code happens to start with it).
    assert reference_start(middle) == "R-" + middle
    # A TOTP code signs in once: the page is read by a colleague of the same entity.
    client = signed_in(second_focal_point)
    page = client.get("/staff/", {"q": target.reference[2:8]}).content.decode()
    assert ROW_LINK.findall(page) == [str(made[3].id)]


def test_a_search_by_reference_starts_at_the_code(
    cases: Callable[[int], list[Case]],
) -> None:
    assert reference_start("  r-7kq ") == "R-7KQ"
    assert reference_start("7kq") == "R-7KQ"
    assert reference_start("R-") == ""
    assert reference_start("r") == ""


def test_the_page_and_the_api_cost_the_same_queries_with_3_cases_as_with_60(
    cases: Callable[[int], list[Case]],
    focal_point: User,
    second_focal_point: User,
    staff_api: Callable[[User], APIClient],
    django_assert_max_num_queries: Any,
) -> None:
    api = staff_api(focal_point)
    # A TOTP code signs in once: the page is read by a colleague of the same entity.
    client = signed_in(second_focal_point)
    cases(3)
    api.get("/api/v1/cases")  # signs the token in
    client.get("/staff/")
    # The query log holds the last 9,000 queries: a count taken past it would read nothing.
    connection.queries_log.clear()
    with django_assert_max_num_queries(12) as page_small:
        small_page = client.get("/staff/?label=urgent")
    assert small_page.status_code == 200, small_page
    with django_assert_max_num_queries(12) as api_small:
        api.get("/api/v1/cases?limit=50")
    # Counted now: the log is cleared below, and a capture reads it when asked.
    page_count, api_count = len(page_small.captured_queries), len(api_small.captured_queries)
    cases(57)
    connection.queries_log.clear()

    second_page = NEXT_PAGE.search(client.get("/staff/").content.decode())
    assert second_page is not None
    for url in ("/staff/", unescape(second_page["url"])):
        with django_assert_max_num_queries(page_count) as counted:
            response = client.get(url)
        assert len(counted.captured_queries) == page_count
        assert len(ROW_LINK.findall(response.content.decode())) > 3
    link = NEXT_LINK.match(api.get("/api/v1/cases?limit=50").headers["Link"])
    assert link is not None
    for url in ("/api/v1/cases?limit=50", link["url"]):
        with django_assert_max_num_queries(api_count) as counted:
            api.get(url)
        assert len(counted.captured_queries) == api_count


def test_a_made_up_cursor_on_the_page_is_refused_naming_it(
    cases: Callable[[int], list[Case]], focal_point: User
) -> None:
    cases(1)
    client = signed_in(focal_point)

    response = client.get("/staff/", {"cursor": "WyJ4IiwgInkiXQ"})

    assert response.status_code == 400
    assert "This cursor is not one this list gave" in response.content.decode()


def test_the_lists_leave_what_the_reporter_wrote_in_the_database(
    cases: Callable[[int], list[Case]],
    focal_point: User,
    second_focal_point: User,
    staff_api: Callable[[User], APIClient],
) -> None:
    """A list shows no part of a narrative, an identity or the person named: their sealed
    columns, the bulk of a report's row, are not even read, fifty rows at a time."""
    cases(3)
    api = staff_api(focal_point)
    client = signed_in(second_focal_point)
    sealed = [f'"reports_report"."{name}"' for name in REPORTER_WRITTEN]

    with CaptureQueriesContext(connection) as page:
        assert client.get("/staff/").status_code == 200
    with CaptureQueriesContext(connection) as listed:
        assert len(api.get("/api/v1/cases").json()) == 3

    read = " ".join(query["sql"] for query in [*page.captured_queries, *listed.captured_queries])
    assert '"reports_report"."reference"' in read
    assert [column for column in sealed if column in read] == []
