"""With Redis down, guessing limits cannot be counted: receipt and staff sign-in answer 503 with
``Retry-After`` (never 500), and reports are still received (issue 10, item 7, in part).

Redis is "down" by pointing the cache at a local port where nothing listens.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from reports.models import Report
from tests.helpers.outages import unreachable_cache
from tests.helpers.reporter import report_payload, walk_intake

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down() -> Iterator[None]:
    # Changing CACHES makes Django drop its cache connections (the setting_changed signal).
    with override_settings(CACHES=unreachable_cache()):
        yield


@pytest.mark.usefixtures("redis_down")
def test_receipt_sign_in_through_the_api_is_503_with_retry_after() -> None:
    response = Client(raise_request_exception=False).post(
        "/api/v1/reporter/session", {"receipt": "2345-6789-ABCD-EFGH-JKMN"}, "application/json"
    )

    assert response.status_code == 503
    assert response.json()["error"] == "service_unavailable"
    assert int(response["Retry-After"]) > 0


@pytest.mark.usefixtures("redis_down")
def test_staff_sign_in_through_the_api_is_503_with_retry_after() -> None:
    response = Client(raise_request_exception=False).post(
        "/api/v1/auth/token",
        {"username": "someone", "password": "x", "otp": "123456"},
        "application/json",
    )

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0


@pytest.mark.usefixtures("redis_down")
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/access/", {"receipt": "2345-6789-ABCD-EFGH-JKMN", "draft": "keep me"}),
        ("/staff/login/", {"username": "someone", "password": "x", "otp": "123456"}),
    ],
)
def test_the_sign_in_pages_say_so_calmly_with_retry_after(path: str, data: dict[str, Any]) -> None:
    response = Client(raise_request_exception=False).post(path, data)

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "unavailable for a moment" in response.content.decode()


@pytest.mark.usefixtures("redis_down", "entity")
def test_reports_are_still_received_through_the_api_and_the_form() -> None:
    created = APIClient().post("/api/v1/reports", report_payload(), format="json")
    receipt_page = walk_intake(Client())[-1]

    assert created.status_code == 201
    assert receipt_page.status_code == 200
    assert Report.objects.count() == 2
