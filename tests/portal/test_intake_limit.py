"""Reports filed from one client are limited per day, the same on the form and the API
(``portal.intake_limit``, issue 9): a few reports a day go through, the next is refused kindly
with everything kept, and nothing was filed; another client is not held back. Each report is
counted before it is filed (issue 15), so reports sent in parallel file exactly the limit, and
one counted but not filed gives its units back."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connections
from django.test import Client, override_settings
from rest_framework.test import APIClient

from portal import services
from reports.models import Report
from tests.helpers.html import parse
from tests.helpers.outages import unreachable_cache
from tests.helpers.reporter import final_step_data, report_payload, submit
from vault import crypto, envelope

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]


@pytest.fixture(autouse=True)
def _two_reports_a_day(settings: Any) -> None:
    settings.SUBMISSIONS_PER_CLIENT_PER_DAY = 2


def _third_report_refused(client: APIClient, *, within: int) -> dict[str, Any]:
    """Two reports go through; the third is 429 ``rate_limited``, to retry ``within`` seconds."""
    submit(client)
    submit(client)

    refused = client.post("/api/v1/reports", report_payload(), format="json")

    assert refused.status_code == 429
    body: dict[str, Any] = refused.json()
    assert body["error"] == "rate_limited"
    assert isinstance(body["retry_after"], int)
    assert 0 < body["retry_after"] <= within
    assert int(refused["Retry-After"]) == body["retry_after"]
    assert Report.objects.count() == 2
    return body


def test_the_api_answers_429_rate_limited_with_retry_after_past_the_daily_limit() -> None:
    _third_report_refused(APIClient(), within=24 * 60 * 60)


def test_the_limit_counts_per_client() -> None:
    submit(APIClient(REMOTE_ADDR="203.0.113.45"))
    submit(APIClient(REMOTE_ADDR="203.0.113.45"))

    submit(APIClient(REMOTE_ADDR="198.51.100.9"))

    assert Report.objects.count() == 3


def test_reports_sent_back_for_corrections_do_not_count() -> None:
    client = APIClient()
    for _ in range(3):
        invalid = client.post("/api/v1/reports", report_payload(category="x"), format="json")
        assert invalid.status_code == 400

    submit(client)
    submit(client)

    assert Report.objects.count() == 2


def test_the_form_and_the_api_share_one_limit() -> None:
    submit(APIClient())
    submit(APIClient())
    browser = Client()

    refused = browser.post("/report/", final_step_data(browser))

    assert refused.status_code == 429
    assert Report.objects.count() == 2


def test_the_form_past_the_limit_explains_kindly_and_keeps_every_answer() -> None:
    browser = Client()
    for _ in range(2):
        assert browser.post("/report/", final_step_data(browser)).status_code == 303
    data = final_step_data(browser)

    refused = browser.post("/report/", data)

    page = refused.content.decode()
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "this one was not sent" in page
    assert "another device or network" in page
    # Still the last step, with what the reporter wrote carried in the form.
    kept = dict(parse(page).hidden_fields())
    assert kept["step"] == "check"
    assert kept["narrative"] == data["narrative"][0]
    assert Report.objects.count() == 2


def test_a_resent_copy_of_a_filed_form_still_reaches_its_receipt_at_the_limit() -> None:
    browser = Client()
    assert browser.post("/report/", final_step_data(browser)).status_code == 303
    data = final_step_data(browser)
    assert browser.post("/report/", data)["Location"] == "/report/receipt/"

    # The limit is reached, but this copy's report exists: it files nothing and says so.
    again = browser.post("/report/", data)

    assert again.status_code == 303
    assert again["Location"] == "/report/receipt/?already=1"
    assert Report.objects.count() == 2


# --- The ten-minute limit (issue 15: a flood's day's allowance cannot arrive at once) ---------


def test_a_client_past_its_ten_minute_limit_is_refused_before_its_daily_one(
    settings: Any,
) -> None:
    settings.SUBMISSIONS_PER_CLIENT_PER_DAY = 10
    settings.SUBMISSIONS_PER_CLIENT_BURST = 2
    body = _third_report_refused(APIClient(REMOTE_ADDR="203.0.113.45"), within=10 * 60)

    assert "in a short time" in body["detail"]
    # Another client is not held back by it.
    submit(APIClient(REMOTE_ADDR="198.51.100.9"))
    assert Report.objects.count() == 3


def test_the_form_past_the_ten_minute_limit_keeps_every_answer(settings: Any) -> None:
    settings.SUBMISSIONS_PER_CLIENT_PER_DAY = 10
    settings.SUBMISSIONS_PER_CLIENT_BURST = 1
    browser = Client()
    assert browser.post("/report/", final_step_data(browser)).status_code == 303
    data = final_step_data(browser)

    refused = browser.post("/report/", data)

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 10 * 60
    kept = dict(parse(refused.content.decode()).hidden_fields())
    assert kept["narrative"] == data["narrative"][0]
    assert Report.objects.count() == 1


# --- Counted before filed (issue 15: a parallel flood filed reports beyond the limit) ---------

FLOOD_ADDRESS = "203.0.113.45"
FILED = (201, 303)


def _sent_together(monkeypatch: pytest.MonkeyPatch, posts: list[Callable[[], Any]]) -> list[Any]:
    """Every post at the same moment, each from its own thread and database connection.

    A post that gets as far as the Argon2id derivation waits there until every other one got as
    far or was answered, so none is filed before all were judged: a limit that is checked, then
    counted after filing, lets them all through (as the flood benchmark saw)."""
    size = len(posts)
    everyone_judged = threading.Event()
    count_lock = threading.Lock()
    count = [0]

    def one_judged() -> None:
        with count_lock:
            count[0] += 1
            if count[0] == size:
                everyone_judged.set()

    real_prepare = envelope.data_key_prepare

    def prepare_once_everyone_is_judged(**kwargs: Any) -> Any:
        one_judged()
        everyone_judged.wait(timeout=30)
        return real_prepare(**kwargs)

    monkeypatch.setattr(envelope, "data_key_prepare", prepare_once_everyone_is_judged)
    start = threading.Barrier(size, timeout=30)

    def one(post: Callable[[], Any]) -> Any:
        start.wait()
        try:
            response = post()
        finally:
            connections.close_all()
        if response.status_code not in FILED:
            one_judged()
        return response

    with ThreadPoolExecutor(max_workers=size) as pool:
        answers = list(pool.map(one, posts))
    return answers


def _api_post() -> Any:
    return APIClient(REMOTE_ADDR=FLOOD_ADDRESS).post(
        "/api/v1/reports", report_payload(), format="json"
    )


def _form_posts(size: int) -> list[Callable[[], Any]]:
    # Each its own form (its own one-time key), all from one browser and address.
    browser = Client(REMOTE_ADDR=FLOOD_ADDRESS)

    def post(data: dict[str, list[str]]) -> Callable[[], Any]:
        return lambda: Client(REMOTE_ADDR=FLOOD_ADDRESS).post("/report/", data)

    return [post(final_step_data(browser)) for _ in range(size)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("door", "daily", "burst", "within"),
    [
        ("api", 2, 10, 24 * 60 * 60),
        ("api", 10, 3, 10 * 60),
        ("form", 2, 10, 24 * 60 * 60),
    ],
)
def test_reports_sent_in_parallel_from_one_client_file_exactly_the_limit(
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    door: str,
    daily: int,
    burst: int,
    within: int,
) -> None:
    settings.SUBMISSIONS_PER_CLIENT_PER_DAY = daily
    settings.SUBMISSIONS_PER_CLIENT_BURST = burst
    limit = min(daily, burst)
    size = limit + 5
    posts = [_api_post] * size if door == "api" else _form_posts(size)

    answers = _sent_together(monkeypatch, posts)

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == sorted([201 if door == "api" else 303] * limit + [429] * 5)
    for refused in (answer for answer in answers if answer.status_code == 429):
        assert 0 < int(refused["Retry-After"]) <= within
    assert Report.objects.count() == limit
    # The counters stand at the limit: the next one is refused too, and files nothing.
    assert _api_post().status_code == 429
    assert Report.objects.count() == limit


# --- Only filed reports count: a report counted, then not filed, gives its units back --------


def test_a_report_refused_for_a_busy_derivation_costs_the_client_nothing(settings: Any) -> None:
    settings.UPSTANDER_KDF_CONCURRENCY = 1
    settings.UPSTANDER_KDF_WAIT_SECONDS = 0
    client = APIClient()
    browser = Client()
    data = final_step_data(browser)
    with crypto.DERIVATION_SLOTS.held():
        busy_api = Client(raise_request_exception=False).post(
            "/api/v1/reports", report_payload(), "application/json"
        )
        busy_form = browser.post("/report/", data)
    assert busy_api.status_code == 503
    assert busy_form.status_code == 503
    assert Report.objects.count() == 0

    submit(client)
    assert browser.post("/report/", data).status_code == 303

    assert client.post("/api/v1/reports", report_payload(), format="json").status_code == 429
    assert Report.objects.count() == 2


def test_a_report_rolled_back_after_it_was_counted_gives_its_units_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_store = services._report_store

    def store_then_fail(*args: Any, **kwargs: Any) -> Any:
        real_store(*args, **kwargs)
        raise RuntimeError("the database went away before the commit")

    monkeypatch.setattr(services, "_report_store", store_then_fail)
    client = APIClient()
    for _ in range(3):
        failed = client.post("/api/v1/reports", report_payload(), format="json")
        assert failed.status_code == 500
    assert Report.objects.count() == 0
    monkeypatch.undo()

    submit(client)
    submit(client)

    assert client.post("/api/v1/reports", report_payload(), format="json").status_code == 429
    assert Report.objects.count() == 2


def test_a_resent_copy_of_a_filed_form_uses_none_of_the_limit() -> None:
    browser = Client()
    data = final_step_data(browser)
    assert browser.post("/report/", data)["Location"] == "/report/receipt/"
    assert browser.post("/report/", data)["Location"] == "/report/receipt/?already=1"

    assert browser.post("/report/", final_step_data(browser))["Location"] == "/report/receipt/"

    assert browser.post("/report/", final_step_data(browser)).status_code == 429
    assert Report.objects.count() == 2


# --- Refusals neither use up the allowance nor extend its window ------------------------------


def _counters(scope: str) -> list[int]:
    store = redis.Redis.from_url(django_settings.REDIS_URL)
    names = store.scan_iter(match=f"*throttle:{scope}-submissions:*")
    return sorted(int(store.get(name) or 0) for name in names)


def test_refused_reports_leave_both_counters_at_the_limit(settings: Any) -> None:
    settings.SUBMISSIONS_PER_CLIENT_PER_DAY = 3
    settings.SUBMISSIONS_PER_CLIENT_BURST = 2
    client = APIClient()
    submit(client)
    submit(client)

    waits = []
    for _ in range(4):
        refused = client.post("/api/v1/reports", report_payload(), format="json")
        assert refused.status_code == 429
        assert "in a short time" in refused.json()["detail"]
        waits.append(int(refused["Retry-After"]))

    assert _counters("intake") == [2]
    assert _counters("intake-burst") == [2]
    # The ten-minute window runs from the first report, not from the latest refusal.
    assert waits == sorted(waits, reverse=True)
    # The day's third report was not used up by the refusals: once the short limit allows it,
    # it goes through, and then the daily limit refuses.
    settings.SUBMISSIONS_PER_CLIENT_BURST = 3
    submit(client)
    refused = client.post("/api/v1/reports", report_payload(), format="json")
    assert refused.status_code == 429
    assert "today" in refused.json()["detail"]
    assert _counters("intake") == [3]
    assert _counters("intake-burst") == [3]
    assert Report.objects.count() == 3


# --- Without the counters ---------------------------------------------------------------------


def test_with_the_counters_down_a_report_is_received_and_the_log_names_no_client(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    with override_settings(CACHES=unreachable_cache()):
        for _ in range(3):
            submit(APIClient(REMOTE_ADDR=FLOOD_ADDRESS))

    assert Report.objects.count() == 3
    assert "Report limit not applied" in caplog.text
    assert FLOOD_ADDRESS not in caplog.text


def test_the_demos_in_process_cache_holds_the_limit_and_gives_back_alike(settings: Any) -> None:
    settings.UPSTANDER_KDF_CONCURRENCY = 1
    settings.UPSTANDER_KDF_WAIT_SECONDS = 0
    demo = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "intake-demo"}
    with override_settings(CACHES={"default": demo}):
        caches["default"].clear()
        client = APIClient()
        with crypto.DERIVATION_SLOTS.held():
            busy = Client(raise_request_exception=False).post(
                "/api/v1/reports", report_payload(), "application/json"
            )
        assert busy.status_code == 503
        submit(client)
        submit(client)
        refused = client.post("/api/v1/reports", report_payload(), format="json")
        caches["default"].clear()

    assert refused.status_code == 429
    assert Report.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_double_tap_on_the_last_report_allowed_reaches_its_receipt_both_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first copy takes the last place under the limit; the second, refused by it while the
    first is still being filed, is the answer the browser shows: it waits for the first and
    goes on to the receipt, instead of saying the report was not sent."""
    browser = Client(REMOTE_ADDR=FLOOD_ADDRESS)
    assert browser.post("/report/", final_step_data(browser)).status_code == 303
    data = final_step_data(browser)
    first_filing, second_waiting = threading.Event(), threading.Event()
    real_prepare, real_meanwhile = envelope.data_key_prepare, services.intake_form_sent_meanwhile

    def prepare_after_the_second_is_refused(**kwargs: Any) -> Any:
        first_filing.set()
        second_waiting.wait(timeout=30)
        return real_prepare(**kwargs)

    def refused_then_waiting(intake_form_key: str) -> bool:
        second_waiting.set()
        return real_meanwhile(intake_form_key)

    monkeypatch.setattr(envelope, "data_key_prepare", prepare_after_the_second_is_refused)
    monkeypatch.setattr(services, "intake_form_sent_meanwhile", refused_then_waiting)

    def tap() -> Any:
        try:
            return Client(REMOTE_ADDR=FLOOD_ADDRESS).post("/report/", data)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(tap)
        assert first_filing.wait(timeout=30)
        second = pool.submit(tap).result(timeout=60)
        first_answer = first.result(timeout=60)

    assert first_answer.status_code == 303
    assert first_answer["Location"] == "/report/receipt/"
    assert second.status_code == 303
    assert second["Location"] == "/report/receipt/?already=1"
    assert Report.objects.count() == 2
