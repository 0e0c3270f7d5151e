"""The staff accounts an administrator manages, a page at a time (issue 15): the workspace page
with a "Next page" link, the API with ``?limit=``, ``?cursor=`` and a ``Link`` header, each at
the same number of queries however many accounts there are."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Entity, Role, User
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db

NEXT_LINK = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')
NEXT_PAGE = re.compile(r'<a href="(/staff/admin/\?[^"]+)" rel="next">')


def _colleagues(entity: Entity, count: int, start: int = 0) -> list[str]:
    """``count`` invited accounts of ``entity``, by username in the order they sort."""
    names = [f"colleague_{number:03d}" for number in range(start, start + count)]
    User.objects.bulk_create(
        [User(username=name, role=Role.FOCAL_POINT, entity=entity) for name in names]
    )
    return names


def _usernames(html: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+)</th>', html)


def test_the_staff_page_walks_every_account_once_by_next_links(entity: Entity, admin: User) -> None:
    names = sorted([*_colleagues(entity, 57), admin.username])
    client = signed_in(admin)

    seen: list[str] = []
    pages = 0
    url: str | None = "/staff/admin/"
    while url is not None:
        html = client.get(url).content.decode()
        pages += 1
        seen += _usernames(html)
        found = NEXT_PAGE.search(html)
        url = found[1].replace("&amp;", "&") if found else None

    assert pages == 2
    assert seen == names


def test_a_cursor_the_staff_page_did_not_give_shows_the_first_page_with_words(
    entity: Entity, admin: User
) -> None:
    _colleagues(entity, 3)

    html = signed_in(admin).get("/staff/admin/?cursor=not-a-cursor").content.decode()

    assert "This cursor is not one this list gave." in html
    assert _usernames(html)[:3] == ["colleague_000", "colleague_001", "colleague_002"]


def test_the_staff_page_costs_the_same_queries_for_3_or_60_accounts(
    entity: Entity, admin: User, django_assert_max_num_queries: Any
) -> None:
    _colleagues(entity, 3)
    client = signed_in(admin)
    client.get("/staff/admin/")
    with django_assert_max_num_queries(30) as small:
        client.get("/staff/admin/")
    _colleagues(entity, 57, start=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get("/staff/admin/").content.decode()
    assert len(_usernames(html)) == 50


def test_the_staff_api_pages_by_username_with_a_link_to_the_next(
    entity: Entity, admin: User, staff_api: Callable[[User], APIClient]
) -> None:
    names = sorted([*_colleagues(entity, 11), admin.username])
    client = staff_api(admin)

    seen: list[str] = []
    url: str | None = "/api/v1/staff/users?limit=5"
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200
        seen += [row["username"] for row in response.json()]
        found = NEXT_LINK.match(response.headers.get("Link", ""))
        url = found["url"] if found else None

    assert seen == names


def test_a_bad_cursor_on_the_staff_api_is_a_validation_error_naming_it(
    admin: User, staff_api: Callable[[User], APIClient]
) -> None:
    response = staff_api(admin).get("/api/v1/staff/users?cursor=WyJ4IiwgInkiXQ")

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert "cursor" in response.json()["fields"]


def test_the_staff_api_costs_the_same_queries_for_3_or_60_accounts(
    entity: Entity,
    admin: User,
    staff_api: Callable[[User], APIClient],
    django_assert_max_num_queries: Any,
) -> None:
    _colleagues(entity, 3)
    client = staff_api(admin)
    client.get("/api/v1/staff/users")
    with django_assert_max_num_queries(20) as small:
        client.get("/api/v1/staff/users?limit=60")
    _colleagues(entity, 57, start=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get("/api/v1/staff/users?limit=60").json()) == 60
