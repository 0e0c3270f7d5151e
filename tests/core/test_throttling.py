"""Guessing receipts is slowed (``core.throttling``) without keeping anyone's address."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import redis
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import ServiceUnavailableError
from core.throttling import (
    MAX_FAILURES,
    SUBMISSIONS_WINDOW_SECONDS,
    attempt_failed,
    submission_made,
    submissions_retry_after,
)
from reports.receipts import receipt_new
from tests.helpers.database import columns_containing
from tests.helpers.outages import unreachable_cache
from tests.helpers.reporter import submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]


def _guess(client: APIClient, receipt: str | None = None) -> Any:
    return client.post(
        "/api/v1/reporter/session", {"receipt": receipt or receipt_new()}, format="json"
    )


def test_sixth_receipt_attempt_after_five_failures_is_429_rate_limited() -> None:
    client = APIClient()
    for _ in range(5):
        response = _guess(client)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_receipt"

    sixth = _guess(client)

    assert sixth.status_code == 429
    body = sixth.json()
    assert body["error"] == "rate_limited"
    assert isinstance(body["retry_after"], int)
    assert body["retry_after"] > 0
    assert int(sixth["Retry-After"]) == body["retry_after"]


def test_rate_limit_also_stops_a_correct_receipt_during_the_window() -> None:
    receipt = submit()["receipt"]
    client = APIClient()
    for _ in range(5):
        _guess(client)
    response = _guess(client, receipt)
    assert response.status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_limit() -> None:
    receipt = submit()["receipt"]
    client = APIClient()
    for _ in range(8):
        assert _guess(client, receipt).status_code == 200


def test_receipts_of_the_wrong_shape_count_as_failed_attempts() -> None:
    client = APIClient()
    for typed in ["x", "0000-0000-0000-0000-0000", "A" * 100, "R-ABCDEFGH", receipt_new()]:
        response = client.post("/api/v1/reporter/session", {"receipt": typed}, format="json")
        assert response.status_code == 401, typed
        assert response.json()["error"] == "invalid_receipt"
    assert _guess(client).status_code == 429


def test_html_access_is_rate_limited_as_well() -> None:
    browser = Client()
    for _ in range(5):
        assert browser.post("/access/", {"receipt": receipt_new()}).status_code == 401
    sixth = browser.post("/access/", {"receipt": receipt_new()})
    assert sixth.status_code == 429
    assert int(sixth["Retry-After"]) > 0


def test_guessing_stores_no_ip_address_in_the_database_or_the_cache() -> None:
    client = APIClient(REMOTE_ADDR="203.0.113.45")
    for _ in range(6):
        _guess(client)
    assert _guess(client).status_code == 429

    assert columns_containing("203.0.113.45") == []
    assert columns_containing("127.0.0.1") == []
    # The throttle's counters live in Redis under a keyed pseudonym of the address.
    store = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(store.scan_iter())
    assert keys, "the throttle keeps its counters in the shared cache"
    for key in keys:
        assert b"203.0.113.45" not in key
        if store.type(key) == b"string":
            assert b"203.0.113.45" not in (store.get(key) or b"")


def test_counters_of_one_address_do_not_block_another() -> None:
    guesser = APIClient(REMOTE_ADDR="203.0.113.45")
    for _ in range(5):
        _guess(guesser)
    assert _guess(guesser).status_code == 429
    assert _guess(APIClient(REMOTE_ADDR="198.51.100.9")).status_code == 401


# --- Successful submissions per client and day (issue 9: no ballot stuffing) -----------------


def _client_request(address: str = "203.0.113.45") -> Any:
    return RequestFactory().post("/somewhere/", REMOTE_ADDR=address)


def test_submissions_are_allowed_up_to_the_daily_limit_then_wait_at_most_until_the_day_ends(
    settings: Any,
) -> None:
    settings.SUBMISSIONS_PER_CLIENT_PER_DAY = 3
    request = _client_request()
    for _ in range(3):
        assert submissions_retry_after(request, scope="intake") is None
        submission_made(request, scope="intake")

    retry_after = submissions_retry_after(request, scope="intake")

    assert retry_after is not None
    now = timezone.now()
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    # The bucket is the day's pseudonym: the count ends with the day, within 24 hours anyway.
    assert 0 < retry_after <= min(SUBMISSIONS_WINDOW_SECONDS, (midnight - now).total_seconds() + 1)


def test_submission_limits_count_each_scope_and_each_client_apart(settings: Any) -> None:
    settings.SUBMISSIONS_PER_CLIENT_PER_DAY = 1
    submission_made(_client_request(), scope="intake")

    assert submissions_retry_after(_client_request(), scope="intake") is not None
    assert submissions_retry_after(_client_request(), scope="not_ready") is None
    assert submissions_retry_after(_client_request("198.51.100.9"), scope="intake") is None


def test_a_scope_with_its_own_daily_limit_is_held_to_it(settings: Any) -> None:
    settings.SUBMISSIONS_PER_CLIENT_PER_DAY = 1
    request = _client_request()
    for _ in range(2):
        assert submissions_retry_after(request, scope="uploads", limit=3) is None
        submission_made(request, scope="uploads")
    assert submissions_retry_after(request, scope="uploads", limit=3) is None
    submission_made(request, scope="uploads")

    assert submissions_retry_after(request, scope="uploads", limit=3) is not None


def test_failed_attempts_and_submissions_do_not_share_a_counter(settings: Any) -> None:
    settings.SUBMISSIONS_PER_CLIENT_PER_DAY = 1
    request = _client_request()
    for _ in range(MAX_FAILURES):
        attempt_failed(request, scope="intake")

    assert submissions_retry_after(request, scope="intake") is None


def test_submission_counters_keep_no_address(settings: Any) -> None:
    settings.SUBMISSIONS_PER_CLIENT_PER_DAY = 1
    submission_made(_client_request(), scope="not_ready")

    store = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(store.scan_iter())
    assert keys
    assert not [key for key in keys if b"203.0.113.45" in key]


def test_with_redis_down_submissions_are_not_allowed_blindly_and_counting_never_fails() -> None:
    with override_settings(CACHES=unreachable_cache()):
        with pytest.raises(ServiceUnavailableError):
            submissions_retry_after(_client_request(), scope="not_ready")
        submission_made(_client_request(), scope="not_ready")
