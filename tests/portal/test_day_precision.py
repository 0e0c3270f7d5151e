"""Issue 11: what a reporter does is stored, and shown, at the day only, as the footer promises
("Upstander does not record ... the exact time you visit"), for reporter and staff alike."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from notifications.models import OutboxMessage
from notifications.services import NEW_REPORT_DELAY
from reports.models import Consent, Message, TimelineEntry
from tests.helpers.reporter import midnight_utc, receipt_of
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db


def _reporter(receipt: str) -> Client:
    browser = Client()
    assert browser.post("/access/", {"receipt": receipt}).status_code == 302
    return browser


def test_a_reporter_message_is_stored_with_its_day_only(open_case: Any) -> None:
    """Issue 11: a reporter's message carried its exact time."""
    case = open_case()
    browser = _reporter(receipt_of(case))

    assert browser.post("/my-report/message", {"body": "Are you there?"}).status_code == 302

    message = Message.objects.get(sender=Message.Sender.REPORTER)
    assert message.sent_at == midnight_utc()
    audit = AuditEntry.objects.get(stream=str(case.report_id), action="message.from_reporter")
    assert audit.at == midnight_utc()


def test_a_consent_and_a_route_change_are_stored_with_their_day_only(open_case: Any) -> None:
    """Issue 11: consent and route changes from the portal carried their exact time."""
    case = open_case()
    browser = _reporter(receipt_of(case))

    browser.post("/my-report/consent", {"action": "statistics", "granted": "yes"})
    browser.post("/my-report/route", {"route": "formal"})

    consent = Consent.objects.get(report=case.report, source=Consent.Source.PORTAL)
    assert consent.recorded_at == midnight_utc()
    entries = TimelineEntry.objects.filter(report=case.report)
    assert {entry.at for entry in entries} == {midnight_utc()}
    reporter_audit = AuditEntry.objects.filter(stream=str(case.report_id), actor_kind="reporter")
    assert {entry.at for entry in reporter_audit} == {midnight_utc()}


def test_messages_keep_their_order_though_the_reporter_s_carry_no_time(
    open_case: Any, focal_point: Any
) -> None:
    case = open_case()
    staff = signed_in(focal_point)
    staff.post(
        f"/staff/cases/{case.pk}/messages", {"body": "First, from staff.", "kind": "message"}
    )
    _reporter(receipt_of(case)).post("/my-report/message", {"body": "Second, from me."})
    staff.post(
        f"/staff/cases/{case.pk}/messages", {"body": "Third, from staff.", "kind": "message"}
    )

    senders = [m.sender for m in Message.objects.filter(report=case.report)]
    assert senders == ["staff", "reporter", "staff"]
    html = _reporter(receipt_of(case)).get("/my-report/").content.decode()
    assert html.index("First, from staff.") < html.index("Second, from me.")
    assert html.index("Second, from me.") < html.index("Third, from staff.")


def test_staff_and_reporter_see_the_day_of_a_reporter_message_in_words(
    open_case: Any, focal_point: Any
) -> None:
    case = open_case()
    browser = _reporter(receipt_of(case))
    browser.post("/my-report/message", {"body": "About the dinner."})
    day = midnight_utc()
    in_words = f"{day.day} {day:%B} {day.year}"

    portal = browser.get("/my-report/").content.decode()
    staff_page = signed_in(focal_point).get(f"/staff/cases/{case.pk}/").content.decode()

    for html in (portal, staff_page):
        assert re.search(
            rf"{in_words}</(time|p)>\s*<p dir=\"auto\">(<bdi>)?About the dinner\.", html
        )
    # The portal shows no raw timestamp anywhere.
    assert "T00:00:00" not in portal


def test_the_staff_alert_of_a_reporter_message_leaves_after_a_random_while(
    open_case: Any, settings: Any
) -> None:
    """Issue 11: the alert email left at once, so its arrival dated the reporter's message."""
    case = open_case()
    browser = _reporter(receipt_of(case))
    settings.CELERY_TASK_ALWAYS_EAGER = False
    before = timezone.now()

    browser.post("/my-report/message", {"body": "One more thing."})

    alert = OutboxMessage.objects.get(topic="staff_alert", payload__kind="reporter_message")
    low, _high = NEW_REPORT_DELAY
    assert alert.deliver_after >= before + low
