"""Files one client may have opened per day (``portal.upload_limit``, issue 10): each file
counts before it is opened, refused ones included, the same on the form, the portal page and the
API; past the limit the answer is a clear 429 and nothing is opened or kept; the count keeps no
address; another client is not held back; with the counters down, files are still received."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from rest_framework.test import APIClient

from reports.models import Attachment, AttachmentContent, Report
from tests.helpers.database import columns_containing
from tests.helpers.files import png
from tests.helpers.outages import unreachable_cache
from tests.helpers.reporter import final_step_data, sign_in, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]

ADDRESS = "203.0.113.45"


@pytest.fixture(autouse=True)
def _three_files_a_day(settings: Any) -> None:
    settings.UPLOADS_PER_CLIENT_PER_DAY = 3


def _reporter(address: str = ADDRESS) -> APIClient:
    client = sign_in(submit()["receipt"])
    client.defaults["REMOTE_ADDR"] = address
    return client


def _upload(client: APIClient, data: bytes = b"What happened, written down.\n") -> Any:
    return client.post(
        "/api/v1/reporter/attachments",
        {"file": SimpleUploadedFile("notes.txt", data, "text/plain")},
        format="multipart",
    )


def test_issue_10_the_api_answers_429_rate_limited_with_retry_after_past_the_daily_limit() -> None:
    reporter = _reporter()
    for _ in range(3):
        assert _upload(reporter).status_code == 201

    refused = _upload(reporter)

    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "rate_limited"
    assert 0 < body["retry_after"] <= 24 * 60 * 60
    assert int(refused["Retry-After"]) == body["retry_after"]
    assert "3 files a day" in body["detail"]
    assert Attachment.objects.count() == 3


def test_refused_files_count_as_they_cost_as_much_to_open() -> None:
    reporter = _reporter()
    hostile = png(7000, 7000)
    for _ in range(3):
        assert _upload(reporter, hostile).status_code == 400

    assert _upload(reporter).status_code == 429
    assert AttachmentContent.objects.count() == 0


def test_the_limit_counts_per_client() -> None:
    first = _reporter()
    for _ in range(3):
        assert _upload(first).status_code == 201

    assert _upload(_reporter("198.51.100.9")).status_code == 201


def test_the_upload_counters_keep_no_address(settings: Any) -> None:
    reporter = _reporter()
    for _ in range(4):
        _upload(reporter)

    assert columns_containing(ADDRESS) == []
    store = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(store.scan_iter())
    assert any(b"uploads-" in key for key in keys)
    for key in keys:
        assert ADDRESS.encode() not in key


def test_the_intake_form_past_the_limit_answers_429_and_files_nothing() -> None:
    browser = Client(REMOTE_ADDR=ADDRESS)
    data: dict[str, Any] = final_step_data(browser)
    data["attachments"] = [
        SimpleUploadedFile(f"note{number}.txt", b"Written down.\n", "text/plain")
        for number in range(4)
    ]

    refused = browser.post("/report/", data)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "3 files a day" in refused.content.decode()
    assert Report.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_the_portal_page_past_the_limit_explains_and_keeps_nothing() -> None:
    reporter = _reporter()
    for _ in range(3):
        assert _upload(reporter, png(7000, 7000)).status_code == 400
    browser = Client(REMOTE_ADDR=ADDRESS)
    receipt = submit()["receipt"]
    assert browser.post("/access/", {"receipt": receipt}).status_code == 302
    note = SimpleUploadedFile("later.txt", b"One more thing.\n", "text/plain")

    response = browser.post("/my-report/attachments", {"attachments": note}, follow=True)

    assert "3 files a day" in response.content.decode()
    assert Attachment.objects.count() == 0


def test_with_the_counters_down_files_are_still_received() -> None:
    reporter = _reporter()
    with override_settings(CACHES=unreachable_cache()):
        for _ in range(4):
            assert _upload(reporter).status_code == 201
    assert Attachment.objects.count() == 4
