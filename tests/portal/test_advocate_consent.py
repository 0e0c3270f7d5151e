"""Issue 12, item 5 on the reporter's side: the advocate is brought in only with the reporter's
own consent, offered in the portal after the report (the intake stays short), shown in the
reporter API's consents, and telling the entity's advocates that a case now reaches them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import Role
from notifications.models import OutboxMessage
from tests.helpers.reporter import consent_change, receipt_of, sign_in

pytestmark = pytest.mark.django_db

ADVOCATE = "A victims&#x27; rights advocate follows my case"


def test_the_reporter_api_lists_both_advocate_consents_not_given(open_case: Any) -> None:
    report = sign_in(receipt_of(open_case())).get("/api/v1/reporter/report").json()
    assert report["consents"]["victims_rights_advocate"] is False
    assert report["consents"]["share_with_advocate"] is False


def test_the_portal_offers_the_advocate_after_the_report(open_case: Any) -> None:
    browser = Client()
    assert browser.post("/access/", {"receipt": receipt_of(open_case())}).status_code == 302

    html = browser.get("/my-report/").content.decode()

    assert ADVOCATE in html
    assert 'name="action" value="victims_rights_advocate"' in html
    assert "never read what you wrote unless you also share it" in html


@pytest.mark.usefixtures("entity")
def test_the_intake_does_not_ask_for_an_advocate() -> None:
    answers = {
        "step": "route",
        "reporter_role": "affected_person",
        "entity": "UNW",
        "category": "verbal",
        "narrative": "He kept commenting on my clothes.",
        "identity_disclosure": "anonymous",
        "route": "formal",
    }
    html = Client().post("/report/", answers).content.decode()
    assert "consent_case_review" in html
    assert "victims_rights_advocate" not in html
    assert "share_with_advocate" not in html


def test_bringing_in_the_advocate_tells_the_entity_s_advocates(
    open_case: Any, make_staff: Any
) -> None:
    advocate = make_staff(Role.VICTIMS_RIGHTS_ADVOCATE, username="advocate")
    case = open_case()

    consent_change(sign_in(receipt_of(case)), "victims_rights_advocate", granted=True)

    told = [m.payload for m in OutboxMessage.objects.filter(payload__kind="advocate_brought_in")]
    assert told == [
        {
            "kind": "advocate_brought_in",
            "reference": case.report.reference,
            "user_ids": [advocate.pk],
        }
    ]
