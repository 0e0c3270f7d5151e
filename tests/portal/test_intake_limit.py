"""Reports filed from one client are limited per day, the same on the form and the API
(``portal.intake_limit``, issue 9): a few reports a day go through, the next is refused kindly
with everything kept, and nothing was filed; another client is not held back."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from reports.models import Report
from tests.helpers.html import parse
from tests.helpers.reporter import final_step_data, report_payload, submit

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
