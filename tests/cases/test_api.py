"""The staff case API's list: newest first, a page at a time (contract: ``GET /api/v1/cases``
with ``?limit=`` and ``?cursor=``, the next page's URL in a ``Link: <URL>; rel="next"``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from cases.models import Case

pytestmark = pytest.mark.django_db

NEXT_LINK = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


def _cases(open_case: Callable[..., Case], count: int) -> list[Case]:
    """``count`` cases opened on different days: the first is the oldest."""
    cases = [open_case() for _ in range(count)]
    newest = cases[-1].opened_at
    for age, case in enumerate(reversed(cases)):
        Case.objects.filter(pk=case.pk).update(opened_at=newest - timedelta(days=age))
    return cases


def _walk(client: APIClient, url: str) -> tuple[list[list[str]], list[str]]:
    """Follow the ``Link`` headers from ``url``; the ids of each page and every link seen."""
    pages: list[list[str]] = []
    links: list[str] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append([row["id"] for row in response.json()])
        link = response.headers.get("Link", "")
        if not link:
            break
        found = NEXT_LINK.match(link)
        assert found, link
        links.append(found["url"])
        url = found["url"]
    return pages, links


def test_the_list_is_newest_first_a_page_at_a_time_with_a_link_to_the_next(
    open_case: Callable[..., Case], focal_point: User, staff_api: Callable[[User], APIClient]
) -> None:
    cases = _cases(open_case, 7)

    pages, links = _walk(staff_api(focal_point), "/api/v1/cases?limit=3")

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [case_id for page in pages for case_id in page] == [str(c.id) for c in reversed(cases)]
    assert all(link.startswith("http://testserver/api/v1/cases?") for link in links)
    assert all("limit=3" in link for link in links)


def test_without_a_limit_a_page_holds_fifty(
    open_case: Callable[..., Case], focal_point: User, staff_api: Callable[[User], APIClient]
) -> None:
    _cases(open_case, 51)

    response = staff_api(focal_point).get("/api/v1/cases")

    assert len(response.json()) == 50
    assert NEXT_LINK.match(response.headers["Link"])


def test_a_limit_over_the_maximum_is_served_as_the_maximum(
    open_case: Callable[..., Case], focal_point: User, staff_api: Callable[[User], APIClient]
) -> None:
    _cases(open_case, 2)

    response = staff_api(focal_point).get("/api/v1/cases?limit=100000")

    assert response.status_code == 200
    assert len(response.json()) == 2
    assert "Link" not in response.headers


def test_filters_travel_with_the_next_link(
    open_case: Callable[..., Case], focal_point: User, staff_api: Callable[[User], APIClient]
) -> None:
    _cases(open_case, 3)

    pages, links = _walk(staff_api(focal_point), "/api/v1/cases?state=received&limit=2")

    assert [len(page) for page in pages] == [2, 1]
    assert "state=received" in links[0]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=-3", "limit"),
        ("limit=many", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=WyJ4IiwgInkiXQ", "cursor"),  # base64 of ["x", "y"]: well formed, meaningless
    ],
)
def test_a_bad_limit_or_cursor_is_a_validation_error_naming_it(
    query: str,
    field: str,
    open_case: Callable[..., Case],
    focal_point: User,
    staff_api: Callable[[User], APIClient],
) -> None:
    open_case()

    response = staff_api(focal_point).get(f"/api/v1/cases?{query}")

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "validation_error"
    assert field in body["fields"]


def test_a_page_costs_the_same_queries_however_long_it_is(
    open_case: Callable[..., Case],
    focal_point: User,
    staff_api: Callable[[User], APIClient],
    django_assert_max_num_queries: Any,
) -> None:
    client = staff_api(focal_point)
    _cases(open_case, 2)
    client.get("/api/v1/cases")  # signs the token in, warms nothing else
    with django_assert_max_num_queries(6) as small:
        client.get("/api/v1/cases?limit=2")
    _cases(open_case, 20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/api/v1/cases?limit=20")


def test_a_page_shows_only_the_cases_the_user_may_see(
    open_case: Callable[..., Case],
    focal_point_elsewhere: User,
    staff_api: Callable[[User], APIClient],
) -> None:
    _cases(open_case, 3)

    response = staff_api(focal_point_elsewhere).get("/api/v1/cases?limit=2")

    assert response.json() == []
    assert "Link" not in response.headers
