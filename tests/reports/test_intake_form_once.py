"""One report per intake form: every form carries a one-time key from its first page to its
last, and a resent copy (Back then Send again, a double tap) files nothing more."""

from __future__ import annotations

import contextlib
import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from portal import services
from portal.services import (
    IntakeFormAlreadySentError,
    ReportSubmission,
    intake_form_key_new,
    intake_forms_purge,
    report_submit,
)
from reports.models import Report, SpentIntakeForm
from tests.reports.helpers import (
    columns_containing,
    current_step,
    final_step_data,
    parse,
    receipt_on_page,
    walk_intake,
)
from vault import envelope
from vault.models import DataKey

ALREADY = "/report/receipt/?already=1"


def form_key_of(html: bytes) -> str:
    keys = [a.get("value") or "" for a in parse(html).inputs(type="hidden", name="intake_form_key")]
    assert len(keys) == 1, keys
    return keys[0]


def submission(entity: Any) -> ReportSubmission:
    return ReportSubmission(
        entity=entity,
        category="verbal",
        route="record_only",
        informal_channel="",
        narrative="Comments on my clothes in every meeting.",
        reporter_role="affected_person",
        identity_disclosure="anonymous",
    )


# --- The form's key -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("entity")
def test_every_page_of_one_intake_carries_the_same_form_key_and_a_new_form_a_new_one() -> None:
    client = Client()
    pages = walk_intake(client, last_step="identity")
    keys = [form_key_of(page.content) for page in pages]

    assert len(set(keys)) == 1
    assert services.intake_form_key_valid(keys[0])
    assert form_key_of(client.get("/report/").content) != keys[0]


# --- Sending the same form twice ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("entity")
def test_back_then_send_again_files_one_report_and_says_it_was_already_sent() -> None:
    client = Client()
    data = final_step_data(client)
    first = client.post("/report/", data)
    assert first.status_code == 303
    assert first["Location"] == "/report/receipt/"
    receipt = receipt_on_page(client.get(first["Location"]).content)

    again = client.post("/report/", data)

    assert again.status_code == 303
    assert again["Location"] == ALREADY
    page = client.get(again["Location"])
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert "Your report was already sent" in html
    assert not parse(page.content).with_class("p", "receipt")
    assert receipt not in html
    # One report, one data key, one submission in the audit trail, one spent form.
    assert Report.objects.count() == 1
    assert DataKey.objects.count() == 1
    assert AuditEntry.objects.filter(action="report.submitted").count() == 1
    assert SpentIntakeForm.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("entity")
def test_a_double_tap_whose_first_answer_was_dropped_still_shows_the_receipt_once() -> None:
    """Regression (issue 7 review): on a slow connection the browser abandons the first
    answer when Send is tapped again; the second copy must not leave the reporter without
    the receipt of the report the first copy filed."""
    client = Client()
    data = final_step_data(client)
    client.post("/report/", data)  # the answer the browser never showed

    again = client.post("/report/", data)
    page = client.get(again["Location"])

    assert Report.objects.count() == 1
    receipt = receipt_on_page(page.content)
    assert receipt
    reporter = Client()
    assert reporter.post("/access/", {"receipt": receipt}).status_code == 302
    # Shown once: a further reload shows it no more.
    assert not parse(client.get(again["Location"]).content).with_class("p", "receipt")


@pytest.mark.django_db
@pytest.mark.usefixtures("entity")
def test_a_resent_intake_form_files_nothing_however_often_it_comes() -> None:
    client = Client()
    data = final_step_data(client)
    answers = [client.post("/report/", data) for _ in range(4)]

    assert [a.status_code for a in answers] == [303] * 4
    assert [a["Location"] for a in answers] == ["/report/receipt/"] + [ALREADY] * 3
    assert Report.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("entity")
def test_a_new_intake_form_files_a_new_report() -> None:
    client = Client()
    first = client.post("/report/", final_step_data(client))
    second = client.post("/report/", final_step_data(client))

    assert first["Location"] == second["Location"] == "/report/receipt/"
    assert Report.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.usefixtures("entity")
@pytest.mark.parametrize(
    "form_key",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("too-short", id="too-short"),
        pytest.param("!" * 43, id="wrong-symbols"),
        pytest.param("a" * 44, id="too-long"),
    ],
)
def test_a_last_step_without_a_valid_form_key_is_a_400_that_saves_nothing(
    form_key: str | None,
) -> None:
    client = Client()
    data = final_step_data(client)
    if form_key is None:
        del data["intake_form_key"]
    else:
        data["intake_form_key"] = [form_key]

    response = client.post("/report/", data)

    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"]
    assert current_step(response.content) == "route"
    assert "This form is incomplete" in response.content.decode()
    assert "upstander_receipt" not in response.cookies
    assert Report.objects.count() == 0
    assert DataKey.objects.count() == 0
    assert SpentIntakeForm.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    # The page offers a fresh key, so that sending it again works.
    fresh = form_key_of(response.content)
    assert services.intake_form_key_valid(fresh)
    assert fresh != form_key


@pytest.mark.django_db
def test_report_submit_with_a_spent_form_key_raises_and_changes_nothing(entity: Any) -> None:
    key = intake_form_key_new()
    report_submit(submission=submission(entity), intake_form_key=key)

    with pytest.raises(IntakeFormAlreadySentError):
        report_submit(submission=submission(entity), intake_form_key=key)

    assert Report.objects.count() == 1
    assert DataKey.objects.count() == 1
    assert SpentIntakeForm.objects.count() == 1


@pytest.mark.django_db
def test_report_submit_without_a_form_key_spends_nothing(entity: Any) -> None:
    report_submit(submission=submission(entity))
    report_submit(submission=submission(entity))

    assert Report.objects.count() == 2
    assert SpentIntakeForm.objects.count() == 0


# --- At the same moment, on PostgreSQL ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("entity")
def test_two_copies_of_a_form_sent_at_the_same_moment_file_one_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = final_step_data(Client())
    # Both requests get past the "already spent?" look-up before either stores anything, so
    # only the database can tell them apart.
    both_checked = threading.Barrier(2, timeout=10)
    real_prepare = envelope.data_key_prepare

    def prepare_together(**kwargs: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait()
        return real_prepare(**kwargs)

    monkeypatch.setattr(envelope, "data_key_prepare", prepare_together)
    answers: dict[str, Any] = {}

    def send(name: str) -> None:
        try:
            answers[name] = Client().post("/report/", data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not both_checked.broken, "both requests should pass the look-up together"
    assert sorted(answer.status_code for answer in answers.values()) == [303, 303]
    assert sorted(answer["Location"] for answer in answers.values()) == [
        "/report/receipt/",
        ALREADY,
    ]
    assert Report.objects.count() == 1
    assert DataKey.objects.count() == 1
    assert SpentIntakeForm.objects.count() == 1
    assert AuditEntry.objects.filter(action="report.submitted").count() == 1


# --- What is kept, and for how long ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("entity")
def test_a_spent_form_is_kept_only_as_a_64_hex_digest_linked_to_nothing() -> None:
    client = Client()
    data = final_step_data(client)
    key = data["intake_form_key"][0]
    assert client.post("/report/", data).status_code == 303

    spent = SpentIntakeForm.objects.get()
    assert re.fullmatch(r"[0-9a-f]{64}", spent.digest)
    assert spent.digest == envelope.blind_index("intake-form", key)
    assert key not in spent.digest
    assert spent.spent_on == timezone.now().date()
    # Nowhere in the database is the key itself.
    assert columns_containing(key) == []
    assert {f.name for f in SpentIntakeForm._meta.get_fields()} == {"digest", "spent_on"}


@pytest.mark.django_db
def test_intake_forms_purge_forgets_forms_older_than_30_days_and_keeps_newer_ones() -> None:
    today = timezone.now().date()
    ages = {"a": 400, "b": 31, "c": 30, "d": 29, "e": 1, "f": 0}
    for name, days in ages.items():
        SpentIntakeForm.objects.create(digest=name * 64, spent_on=today - timedelta(days=days))

    deleted = intake_forms_purge()

    assert deleted == 2
    kept = set(SpentIntakeForm.objects.values_list("digest", flat=True))
    assert kept == {name * 64 for name in ("c", "d", "e", "f")}
    assert intake_forms_purge() == 0


@pytest.mark.django_db
def test_after_a_purge_a_recently_sent_form_is_still_refused(entity: Any) -> None:
    old_key, new_key = intake_form_key_new(), intake_form_key_new()
    report_submit(submission=submission(entity), intake_form_key=old_key)
    report_submit(submission=submission(entity), intake_form_key=new_key)
    SpentIntakeForm.objects.filter(digest=envelope.blind_index("intake-form", old_key)).update(
        spent_on=timezone.now().date() - timedelta(days=31)
    )

    assert intake_forms_purge() == 1

    with pytest.raises(IntakeFormAlreadySentError):
        report_submit(submission=submission(entity), intake_form_key=new_key)
    assert SpentIntakeForm.objects.count() == 1
