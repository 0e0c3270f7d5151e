"""The receipt after the intake's post-redirect-get: the last step files the report and answers
303; the receipt page shows the receipt once, from a one-time ticket split between a cookie and
the cache, and a reload, Back or a copied cookie finds nothing."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings

from portal.receipt_handoff import (
    COOKIE,
    LIFETIME,
    ReceiptToShow,
    receipt_handoff_put,
    receipt_handoff_take,
)
from portal.services import intake_form_key_new
from reports.models import Report, SpentIntakeForm
from tests.helpers.html import parse
from tests.helpers.outages import unreachable_cache
from tests.helpers.reporter import (
    WIZARD_ANSWERS,
    final_step_data,
    receipt_on_page,
    sign_in,
    walk_intake,
)
from vault import tickets

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]

NARRATIVE = dict(WIZARD_ANSWERS["what"])["narrative"]
CACHE_PREFIX = "receipt-handoff:"


def shows_a_receipt(html: bytes) -> bool:
    return bool(parse(html).with_class("p", "receipt"))


def test_the_last_intake_step_files_the_report_and_answers_303_to_the_receipt_page() -> None:
    client = Client()
    data = final_step_data(client)

    response = client.post("/report/", data)

    assert response.status_code == 303
    assert response["Location"] == "/report/receipt/"
    assert Report.objects.count() == 1
    # The redirect itself carries nothing to read.
    assert not shows_a_receipt(response.content)
    assert NARRATIVE.encode() not in response.content


def test_the_redirect_sets_a_strict_http_only_cookie_scoped_to_the_receipt_page() -> None:
    client = Client()
    response = client.post("/report/", final_step_data(client))

    assert response.status_code == 303
    cookie = response.cookies[COOKIE]
    assert COOKIE == "upstander_receipt"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/report/receipt/"
    assert 0 < int(cookie["max-age"]) <= int(LIFETIME.total_seconds())
    assert tickets.ticket_id_of(cookie.value) is not None


def test_the_first_get_shows_the_receipt_uncached_and_deletes_the_cookie() -> None:
    client = Client()
    posted = client.post("/report/", final_step_data(client))
    ticket = posted.cookies[COOKIE].value

    page = client.get("/report/receipt/")

    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    receipt = receipt_on_page(page.content)
    report = Report.objects.get()
    assert report.reference in page.content.decode()
    # The receipt was in neither the redirect nor its cookie.
    assert receipt not in posted.content.decode()
    assert receipt not in ticket
    # The browser forgets its half.
    deleted = page.cookies[COOKIE]
    assert deleted.value == ""
    assert deleted["path"] == "/report/receipt/"
    assert int(deleted["max-age"]) == 0
    # And the receipt shown is the one that opens the report.
    view = sign_in(receipt).get("/api/v1/reporter/report").json()
    assert view["reference"] == report.reference
    assert view["narrative"] == NARRATIVE


def test_walk_intake_follows_the_redirect_to_the_receipt() -> None:
    responses = walk_intake(Client())

    assert responses[-1].status_code == 200
    assert shows_a_receipt(responses[-1].content)
    assert Report.objects.count() == 1


def test_a_reload_with_the_same_cookie_shows_no_receipt_and_no_narrative() -> None:
    client = Client()
    posted = client.post("/report/", final_step_data(client))
    ticket = posted.cookies[COOKIE].value
    first = client.get("/report/receipt/")
    receipt = receipt_on_page(first.content)
    reference = Report.objects.get().reference

    # A reload, or someone who copied the cookie before it was deleted.
    client.cookies[COOKIE] = ticket
    again = client.get("/report/receipt/")

    assert again.status_code == 200
    assert "no-store" in again["Cache-Control"]
    html = again.content.decode()
    assert not shows_a_receipt(again.content)
    assert receipt not in html
    assert reference not in html
    assert NARRATIVE not in html
    assert "Your receipt was shown once" in html
    assert "already sent" not in html
    assert Report.objects.count() == 1


def test_the_same_cookie_in_another_browser_shows_nothing_after_the_first_view() -> None:
    client = Client()
    ticket = client.post("/report/", final_step_data(client)).cookies[COOKIE].value
    assert shows_a_receipt(client.get("/report/receipt/").content)

    other = Client()
    other.cookies[COOKIE] = ticket
    page = other.get("/report/receipt/")

    assert page.status_code == 200
    assert not shows_a_receipt(page.content)


def test_the_receipt_page_without_a_cookie_shows_no_receipt() -> None:
    page = Client().get("/report/receipt/")

    assert page.status_code == 200
    assert not shows_a_receipt(page.content)
    assert "Your receipt was shown once" in page.content.decode()


def test_receipt_handoff_take_returns_the_receipt_once_and_then_none() -> None:
    shown = ReceiptToShow(receipt="2345-6789-ABCD-EFGH-JKMN", reference="R-2345", case_opened=True)
    ticket = receipt_handoff_put(shown, intake_form_key=intake_form_key_new())
    assert ticket is not None

    assert receipt_handoff_take(ticket) == shown
    assert receipt_handoff_take(ticket) is None
    assert receipt_handoff_take(ticket) is None


def test_each_handoff_is_its_own_ticket() -> None:
    first = ReceiptToShow(receipt="2345-6789-ABCD-EFGH-JKMN", reference="R-1", case_opened=True)
    second = ReceiptToShow(receipt="3456-789A-BCDE-FGHJ-KMNP", reference="R-2", case_opened=False)
    first_ticket, second_ticket = (
        receipt_handoff_put(first, intake_form_key=intake_form_key_new()),
        receipt_handoff_put(second, intake_form_key=intake_form_key_new()),
    )
    assert first_ticket is not None
    assert second_ticket is not None
    assert first_ticket != second_ticket

    assert receipt_handoff_take(second_ticket) == second
    assert receipt_handoff_take(first_ticket) == first


@pytest.mark.parametrize(
    "ticket",
    [
        pytest.param("", id="empty"),
        pytest.param("not-a-ticket", id="no-dot"),
        pytest.param(tickets.ticket_seal(b"{}", purpose="receipt-handoff").ticket, id="never-put"),
    ],
)
def test_receipt_handoff_take_of_an_unknown_ticket_is_none(ticket: str) -> None:
    assert receipt_handoff_take(ticket) is None


def test_a_malformed_copy_of_a_ticket_neither_opens_nor_spends_it() -> None:
    """Regression (issue 7 review, fixed in b08c699): ticket parsing is strict: an over-long copy or
    the id alone neither opens the receipt nor spends the ticket."""
    shown = ReceiptToShow(receipt="2345-6789-ABCD-EFGH-JKMN", reference="R-2345", case_opened=False)
    ticket = receipt_handoff_put(shown, intake_form_key=intake_form_key_new())
    assert ticket is not None

    assert receipt_handoff_take(ticket + "=" * 200) is None  # over-long
    assert receipt_handoff_take(ticket.partition(".")[0]) is None  # the id without its key

    assert receipt_handoff_take(ticket) == shown


def test_a_ticket_for_a_stored_id_with_the_wrong_key_opens_nothing() -> None:
    """Regression (issue 7 review, fixed in b08c699): a ticket with the right id and a wrong key
    opens nothing and spends nothing."""
    shown = ReceiptToShow(receipt="2345-6789-ABCD-EFGH-JKMN", reference="R-2345", case_opened=False)
    ticket = receipt_handoff_put(shown, intake_form_key=intake_form_key_new())
    assert ticket is not None
    forged = tickets.ticket_seal(b"{}", purpose="receipt-handoff").ticket
    wrong_key = f"{ticket.partition('.')[0]}.{forged.partition('.')[2]}"

    assert receipt_handoff_take(wrong_key) is None
    # A wrong key does not spend the entry: the browser that holds the ticket still sees it.
    assert receipt_handoff_take(ticket) == shown


def _redis() -> redis.Redis:
    location = settings.CACHES["default"]["LOCATION"]
    assert isinstance(location, str)
    return redis.Redis.from_url(location)


def test_the_cache_holds_no_plaintext_receipt() -> None:
    client = Client()
    ticket = client.post("/report/", final_step_data(client)).cookies[COOKIE].value
    ticket_id, _dot, encoded_key = ticket.partition(".")

    # The server's half, as the cache returns it and as Redis stores it.
    stored = cache.get(CACHE_PREFIX + ticket_id)
    assert isinstance(stored, bytes)
    raw_keys = [k for k in _redis().scan_iter(match=f"*{CACHE_PREFIX}{ticket_id}")]
    assert len(raw_keys) == 1
    raw = _redis().get(raw_keys[0])
    assert isinstance(raw, bytes)
    assert stored in raw

    page = client.get("/report/receipt/")
    receipt = receipt_on_page(page.content)
    reference = Report.objects.get().reference
    for value in (stored, raw):
        assert receipt.encode() not in value
        assert receipt.replace("-", "").encode() not in value
        assert reference.encode() not in value
        assert b'"receipt"' not in value
        assert encoded_key.encode() not in value
    assert receipt.encode() not in raw_keys[0]

    # Shown once: the server's half is gone.
    assert cache.get(CACHE_PREFIX + ticket_id) is None
    assert list(_redis().scan_iter(match=f"*{CACHE_PREFIX}{ticket_id}")) == []


def test_when_the_cache_is_unreachable_the_last_step_shows_the_receipt_at_once() -> None:
    client = Client()
    data = final_step_data(client)

    with override_settings(CACHES=unreachable_cache()):
        with pytest.raises(redis.ConnectionError):
            cache.set("probe", 1)  # the cache really is down
        response = client.post("/report/", data)
        # A reload of that page posts the form again: it files nothing more.
        reloaded = client.post("/report/", data)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert COOKIE not in response.cookies
    receipt = receipt_on_page(response.content)
    report = Report.objects.get()
    assert report.reference in response.content.decode()
    assert reloaded.status_code == 303
    assert reloaded["Location"] == "/report/receipt/?already=1"
    assert Report.objects.count() == 1
    assert SpentIntakeForm.objects.count() == 1
    # The receipt shown opens the one report.
    assert sign_in(receipt).get("/api/v1/reporter/report").json()["reference"] == report.reference
