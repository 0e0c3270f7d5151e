"""Issue 11: after the reporter withdraws consent to a formal investigation while it is under
way, both the reporter and the staff see what that means for the case."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cases.selectors import formal_consent_withdrawn_midway
from tests.helpers.reporter import ALL_CONSENTS, receipt_of
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db
STAFF_NOTICE = "The reporter withdrew consent to a formal investigation after the formal"
REPORTER_NOTICE = "You withdrew your consent to a formal investigation"


def _withdraw_formal(case: Any, *, formal_under_way: bool = True) -> Client:
    """The reporter withdraws consent to a formal investigation through the confirmation page."""
    browser = Client()
    assert browser.post("/access/", {"receipt": receipt_of(case)}).status_code == 302
    page = browser.get("/my-report/consent/withdraw?action=formal_investigation")
    assert ("A formal process has already started" in page.content.decode()) is formal_under_way
    browser.post(
        "/my-report/consent",
        {"action": "formal_investigation", "granted": "no", "confirmed": "yes"},
    )
    return browser


def test_withdrawal_during_an_investigation_is_explained_to_staff_and_reporter(
    case_in_state: Any, focal_point: Any
) -> None:
    case = case_in_state("investigation", consents=ALL_CONSENTS)
    browser = _withdraw_formal(case)

    assert formal_consent_withdrawn_midway(case)
    assert REPORTER_NOTICE in browser.get("/my-report/").content.decode()
    staff_page = signed_in(focal_point).get(f"/staff/cases/{case.pk}/").content.decode()
    assert STAFF_NOTICE in staff_page


def test_no_notice_while_the_consent_stands_or_before_a_formal_process(
    case_in_state: Any, focal_point: Any
) -> None:
    investigating = case_in_state("investigation", consents=ALL_CONSENTS)
    assessing = case_in_state("assessment", consents=ALL_CONSENTS)
    _withdraw_formal(assessing, formal_under_way=False)

    assert not formal_consent_withdrawn_midway(investigating)
    assert not formal_consent_withdrawn_midway(assessing)
    staff = signed_in(focal_point)
    assert STAFF_NOTICE not in staff.get(f"/staff/cases/{investigating.pk}/").content.decode()
    assert STAFF_NOTICE not in staff.get(f"/staff/cases/{assessing.pk}/").content.decode()
