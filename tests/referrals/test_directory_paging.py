"""The service directory page of the administrator's workspace, a page at a time (issue 15):
a "Next page" link through every service once, at the same number of queries however many."""

from __future__ import annotations

import re
from typing import Any

import pytest

from accounts.models import Entity, User
from referrals.models import ServiceEntry, ServiceKind
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db

NEXT_PAGE = re.compile(r'<a href="(/staff/admin/entities/UNW/services/\?[^"]+)" rel="next">')


def _services(entity: Entity, count: int, start: int = 0) -> list[str]:
    names = [f"Clinic {number:03d}" for number in range(start, start + count)]
    ServiceEntry.objects.bulk_create(
        [ServiceEntry(entity=entity, kind=ServiceKind.MEDICAL, name=name) for name in names]
    )
    return names


def _names(html: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+)</th>', html)


def test_the_directory_walks_every_service_once_by_next_links(entity: Entity, admin: User) -> None:
    names = _services(entity, 57)
    client = signed_in(admin)

    seen: list[str] = []
    pages = 0
    url: str | None = f"/staff/admin/entities/{entity.code}/services/"
    while url is not None:
        html = client.get(url).content.decode()
        pages += 1
        seen += _names(html)
        found = NEXT_PAGE.search(html)
        url = found[1].replace("&amp;", "&") if found else None

    assert pages == 2
    assert seen == names


def test_a_cursor_the_directory_did_not_give_shows_the_first_page_with_words(
    entity: Entity, admin: User
) -> None:
    _services(entity, 2)

    html = (
        signed_in(admin)
        .get(f"/staff/admin/entities/{entity.code}/services/?cursor=not-a-cursor")
        .content.decode()
    )

    assert "This cursor is not one this list gave." in html
    assert _names(html) == ["Clinic 000", "Clinic 001"]


def test_the_directory_costs_the_same_queries_for_3_or_60_services(
    entity: Entity, admin: User, django_assert_max_num_queries: Any
) -> None:
    _services(entity, 3)
    client = signed_in(admin)
    url = f"/staff/admin/entities/{entity.code}/services/"
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    _services(entity, 57, start=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(url).content.decode()
    assert len(_names(html)) == 50
