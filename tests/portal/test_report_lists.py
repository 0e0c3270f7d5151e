"""The reporter's own report, page and API, keeps every message and timeline entry in one
answer (the contract's REPORT body), at the same number of queries however long the exchange
(issue 15)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from cases.models import Case
from cases.services.correspondence import staff_message_send
from tests.helpers.reporter import receipt_of, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cases(
    open_case: Callable[..., Case], walk_case: Callable[..., Case], focal_point: User
) -> tuple[Case, Case]:
    few = walk_case(open_case(), "acknowledged")
    many = walk_case(open_case(), "acknowledged")
    for case, count in ((few, 3), (many, 60)):
        for number in range(count):
            staff_message_send(case=case, actor=focal_point, body=f"Message number {number}.")
    return few, many


def test_the_reporter_api_answers_every_message_at_the_same_queries_for_3_or_60(
    two_cases: tuple[Case, Case], django_assert_max_num_queries: Any
) -> None:
    few, many = (sign_in(receipt_of(case)) for case in two_cases)

    with django_assert_max_num_queries(40) as small:
        assert few.get("/api/v1/reporter/report").status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = many.get("/api/v1/reporter/report").json()

    # The contract's body is unchanged: every message and every timeline entry, in one answer.
    assert [m["body"] for m in body["messages"]] == [f"Message number {n}." for n in range(60)]
    assert len(body["timeline"]) > 60


def test_the_reporter_page_costs_the_same_queries_for_3_or_60_messages(
    two_cases: tuple[Case, Case], django_assert_max_num_queries: Any
) -> None:
    clients = []
    for case in two_cases:
        client = Client()
        assert client.post("/access/", {"receipt": receipt_of(case)}).status_code == 302
        clients.append(client)
    few, many = clients

    with django_assert_max_num_queries(40) as small:
        assert few.get("/my-report/").status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = many.get("/my-report/").content.decode()
    assert "Message number 59." in html
