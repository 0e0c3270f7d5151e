"""``GET /api/v1/entities``: the organisations a reporter can choose, without authentication."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Entity

pytestmark = pytest.mark.django_db


def test_it_lists_the_entities_that_accept_reports_by_code(client: Client) -> None:
    Entity.objects.create(code="UNW", name="UN Women")
    Entity.objects.create(code="OCHA", name="Office for the Coordination of Humanitarian Affairs")
    Entity.objects.create(code="UNDP", name="United Nations Development Programme")

    response = client.get("/api/v1/entities")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == [
        {"code": "OCHA", "name": "Office for the Coordination of Humanitarian Affairs"},
        {"code": "UNDP", "name": "United Nations Development Programme"},
        {"code": "UNW", "name": "UN Women"},
    ]


def test_entities_that_do_not_accept_reports_are_not_listed(client: Client) -> None:
    Entity.objects.create(code="UNW", name="UN Women")
    Entity.objects.create(code="OLD", name="A closed office", accepts_reports=False)

    response = client.get("/api/v1/entities")

    assert response.json() == [{"code": "UNW", "name": "UN Women"}]


def test_it_returns_an_empty_list_when_there_are_no_entities(client: Client) -> None:
    response = client.get("/api/v1/entities")

    assert response.status_code == 200
    assert response.json() == []


def test_it_shows_nothing_but_code_and_name(client: Client) -> None:
    Entity.objects.create(code="UNW", name="UN Women", feedback_due_months=1)

    (entity,) = client.get("/api/v1/entities").json()

    assert set(entity) == {"code", "name"}
