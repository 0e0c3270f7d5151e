"""The one keyset pager (``core.paging``, issue 15): whatever the keys' directions, ties and empty
values, the pages add up to the whole list in its order, each page is the matching slice of the
fully sorted list, and a cursor this list did not give is refused by name."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from cases.models import Case
from core.errors import InvalidInputError
from core.paging import Key, keyset_page
from tests.helpers.queue import case_copies

pytestmark = pytest.mark.django_db

ORDERS: dict[str, tuple[Key, ...]] = {
    # Empty values (the cases not yet acknowledged) last, in either direction.
    "nullable ascending": (Key("feedback_due", nullable=True), Key("id")),
    "nullable descending": (Key("feedback_due", descending=True, nullable=True), Key("id")),
    "nullable then descending": (
        Key("feedback_due", nullable=True),
        Key("submitted_on", descending=True),
        Key("id", descending=True),
    ),
    # Days repeat every seven cases: only the last key breaks the ties.
    "ties": (Key("submitted_on"), Key("id", descending=True)),
    "through a relation": (Key("report__submitted_on", descending=True), Key("id")),
}


@pytest.fixture
def many(open_case: Callable[..., Case]) -> list[Case]:
    first = open_case()
    return [first, *case_copies(first, 36)]


def _sorted(keys: Sequence[Key]) -> list[Any]:
    return list(Case.objects.order_by(*(key.order() for key in keys)).values_list("id", flat=True))


def _walk(keys: Sequence[Key], limit: int) -> list[list[Any]]:
    pages, cursor = [], ""
    while True:
        page = keyset_page(Case.objects.all(), keys, limit=limit, cursor=cursor)
        pages.append([case.id for case in page.rows])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@pytest.mark.parametrize("order", ORDERS)
def test_the_pages_add_up_to_the_whole_list_in_its_order(many: list[Case], order: str) -> None:
    keys = ORDERS[order]
    whole = _sorted(keys)
    nulls = [case_id for case_id, due in Case.objects.values_list("id", "feedback_due") if not due]
    # The list has empty values and others.
    assert nulls
    assert len(nulls) < len(whole)

    pages = _walk(keys, limit=5)

    assert [case_id for page in pages for case_id in page] == whole
    assert [len(page) for page in pages] == [5] * 7 + [2]
    if keys[0].nullable:
        # Empty values last, whichever the direction.
        assert set(whole[-len(nulls) :]) == set(nulls)


@pytest.mark.parametrize("order", ORDERS)
def test_a_page_deep_in_the_list_is_the_slice_of_the_fully_sorted_list(
    many: list[Case], order: str
) -> None:
    keys = ORDERS[order]
    cursor = ""
    for _ in range(4):
        cursor = keyset_page(Case.objects.all(), keys, limit=6, cursor=cursor).next_cursor or ""

    fifth = keyset_page(Case.objects.all(), keys, limit=6, cursor=cursor)

    assert [case.id for case in fifth.rows] == _sorted(keys)[24:30]


def test_rows_added_before_the_cursor_neither_repeat_nor_shift_the_next_page(
    many: list[Case],
) -> None:
    keys = (Key("submitted_on"), Key("id"))
    first = keyset_page(Case.objects.all(), keys, limit=10)
    expected = _sorted(keys)[10:20]
    case_copies(many[0], 3)  # received today: they sort after, not before, the cursor's rows

    second = keyset_page(Case.objects.all(), keys, limit=10, cursor=first.next_cursor or "")

    assert [case.id for case in second.rows] == expected


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        _cursor(["x", "y"]),  # well formed, not a day nor an id
        _cursor([{"d": "2026-01-01"}]),  # one key where the list has two
        _cursor([None, {"u": "8a1f5b34-5b1e-4c6e-9d6f-2a8a0a4c9e11"}]),  # empty, not nullable
        _cursor([{"t": "yesterday"}, 1]),  # a tagged value that does not parse
        _cursor([[1], 2]),
        "A" * 500,
    ],
)
def test_a_forged_or_mismatched_cursor_is_refused_naming_it(many: list[Case], cursor: str) -> None:
    keys = (Key("submitted_on"), Key("id"))

    with pytest.raises(InvalidInputError) as refused:
        keyset_page(Case.objects.all(), keys, limit=5, cursor=cursor)

    assert list(refused.value.fields) == ["cursor"]


def test_a_cursor_from_another_list_is_a_400_naming_it_through_the_api(
    many: list[Case], focal_point: User, staff_api: Callable[[User], APIClient]
) -> None:
    # The staff page's deadline order has three keys; the API's list has two.
    other = keyset_page(
        Case.objects.all(), (Key("queue_deadline"), Key("submitted_on"), Key("id")), limit=2
    )

    response = staff_api(focal_point).get("/api/v1/cases", {"cursor": other.next_cursor or ""})

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert list(response.json()["fields"]) == ["cursor"]
