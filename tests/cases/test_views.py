"""The staff case pages at /staff/ (``cases.views``): the list with filters, the case page with
its transitions, messages and notes; no JavaScript needed."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, timezone

from accounts.services import staff_settings_set
from audit.models import AuditEntry
from cases.models import Case
from cases.services.correspondence import staff_message_send
from reports.models import Report
from tests.helpers.reporter import ALL_CONSENTS
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db
NARRATIVE = "CANARY-STAFF-PAGE: he blocked the doorway of the supply room."


def assert_no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "style=" not in html
    assert "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)


def test_case_list_filters_by_state_and_deadline(
    open_case: Any, case_in_state: Any, focal_point: Any
) -> None:
    overdue = open_case()
    Case.objects.filter(pk=overdue.pk).update(
        acknowledgement_due=timezone.now().date() - timedelta(days=2)
    )
    on_hold = case_in_state("on_hold")
    client = signed_in(focal_point)
    page = client.get("/staff/").content.decode()
    assert overdue.report.reference in page
    assert on_hold.report.reference in page
    assert "overdue" in page
    assert_no_inline_code(page)
    overdue_only = client.get("/staff/?show=overdue").content.decode()
    assert overdue.report.reference in overdue_only
    assert on_hold.report.reference not in overdue_only
    held = client.get("/staff/?state=on_hold").content.decode()
    assert on_hold.report.reference in held
    assert overdue.report.reference not in held


def test_case_page_shows_the_narrative_audits_the_read_and_explains_blocks(
    case_in_state: Any, focal_point: Any
) -> None:
    case = case_in_state("assessment", narrative=NARRATIVE)
    client = signed_in(focal_point)
    reads_before = AuditEntry.objects.filter(action="case.decrypted_read").count()
    page = client.get(f"/staff/cases/{case.id}/").content.decode()
    assert NARRATIVE in page
    assert AuditEntry.objects.filter(action="case.decrypted_read").count() == reads_before + 1
    # Allowed steps are buttons in forms; blocked ones are disabled and say which consent is missing
    assert f'action="/staff/cases/{case.id}/transitions/put_on_hold"' in page
    # Issue 11: the step by its label, the missing consent in a sentence.
    assert re.search(
        r"<button type=\"button\" disabled>Start an informal resolution</button>\s*"
        r"<span class=\"blocked-reason\">This step needs the reporter&#x27;s consent to sharing "
        r"the report with the ombudsperson\.</span>",
        page,
    )
    assert_no_inline_code(page)


def test_transition_buttons_work_without_javascript(
    open_case: Any, walk_case: Any, focal_point: Any
) -> None:
    case = open_case()
    client = signed_in(focal_point)
    response = client.post(f"/staff/cases/{case.id}/transitions/acknowledge")
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == "acknowledged"
    walk_case(case, "assessment")
    refused = client.post(f"/staff/cases/{case.id}/transitions/start_informal", follow=True)
    assert Case.objects.get(pk=case.pk).state == "assessment"
    assert "has not consented" in refused.content.decode()
    closed = client.post(
        f"/staff/cases/{case.id}/transitions/close",
        {
            "closure_reason": "referred_elsewhere",
            "note": "Sent to the right office.",
            "confirm": "yes",
        },
    )
    assert closed.status_code == 302
    assert Case.objects.get(pk=case.pk).state == "closed"


def test_messages_and_notes_from_the_case_page(open_case: Any, focal_point: Any) -> None:
    case = open_case()
    client = signed_in(focal_point)
    client.post(
        f"/staff/cases/{case.id}/messages", {"body": "We are here for you.", "kind": "message"}
    )
    client.post(f"/staff/cases/{case.id}/messages", {"body": "CANARY-NOTE-PAGE", "kind": "note"})
    page = client.get(f"/staff/cases/{case.id}/").content.decode()
    assert "We are here for you." in page
    assert "CANARY-NOTE-PAGE" in page
    assert case.report.messages.count() == 1
    assert case.notes.count() == 1


@pytest.mark.parametrize("role", ["leadership", "admin"])
def test_leadership_and_admin_never_reach_a_case(
    role: str, open_case: Any, request: pytest.FixtureRequest
) -> None:
    case = open_case(narrative=NARRATIVE)
    user = request.getfixturevalue(role)
    client = signed_in(user)
    listing = client.get("/staff/").content.decode()
    assert case.report.reference not in listing
    page = client.get(f"/staff/cases/{case.id}/")
    assert page.status_code == 404
    assert NARRATIVE not in page.content.decode()
    assert client.post(f"/staff/cases/{case.id}/transitions/acknowledge").status_code == 404
    assert Case.objects.get(pk=case.pk).state == "received"


def test_case_page_shows_deadlines_consents_and_the_audit_trail(
    open_case: Any, focal_point: Any
) -> None:
    case = open_case(consents={"case_review": True, "statistics": True})
    page = signed_in(focal_point).get(f"/staff/cases/{case.id}/").content.decode()
    # Issue 11: dates in words, never ISO.
    assert case.acknowledgement_due.isoformat() not in page
    assert formats.date_format(case.acknowledgement_due, "DATE_FORMAT") in page
    assert "A focal point reviews my report: yes" in page
    assert "My report is shared with the ombudsperson: no" in page
    assert "Audit trail" in page
    assert "Chain intact." in page
    assert "case.opened" not in page
    assert "Case opened" in page


def test_the_case_page_posts_measures_after_substantiated_findings(
    case_in_state: Any, focal_point: Any
) -> None:
    # Given substantiated findings, the page offers the measures as checkboxes
    case = case_in_state("findings", outcome="substantiated", consents=ALL_CONSENTS)
    client = signed_in(focal_point)
    page = client.get(f"/staff/cases/{case.id}/").content.decode()
    form = page.split('transitions/start_disciplinary"')[1].split("</form>")[0]
    assert '<input type="checkbox" name="measures" value="loss_of_steps">' in form
    # When the focal point ticks two of them and starts the disciplinary process
    response = client.post(
        f"/staff/cases/{case.id}/transitions/start_disciplinary",
        {"measures": ["loss_of_steps", "fine"], "note": "Per the panel's decision."},
    )
    # Then the case holds them
    assert response.status_code == 302
    moved = Case.objects.get(pk=case.pk)
    assert moved.state == "disciplinary"
    assert moved.measure_codes() == ["loss_of_steps", "fine"]
    # And "none" with another is refused on the page too, with nothing changed
    refused = client.post(
        f"/staff/cases/{case.id}/transitions/close",
        {
            "closure_reason": "substantiated_measures_taken",
            "measures": ["none", "fine"],
            "note": "Measures decided.",
            "confirm": "yes",
        },
        follow=True,
    )
    assert "cannot be given with other measures" in refused.content.decode()
    assert Case.objects.get(pk=case.pk).state == "disciplinary"
    assert moved.measure_codes() == ["loss_of_steps", "fine"]


def test_the_case_page_offers_no_measures_to_close_without_substantiated_findings(
    case_in_state: Any, focal_point: Any
) -> None:
    case = case_in_state("assessment")
    page = signed_in(focal_point).get(f"/staff/cases/{case.id}/").content.decode()
    form = page.split('transitions/close"')[1].split("</form>")[0]
    assert 'name="closure_reason"' in form
    assert 'name="measures"' not in form
    assert "subject_separated_during_investigation" in form


def test_reporter_text_shows_its_invisible_characters_and_is_isolated(
    open_case: Any, focal_point: Any
) -> None:
    """Regression (issue 10, item 8): a right-to-left override or a zero-width character in a
    name made it read as another name on the case page."""
    case = open_case(
        identity={"name": "Amina\u202eXYZ", "email": "", "phone": ""},
        narrative="He said\u200b nothing.\nThen he left. <script>alert(1)</script>",
        consents={"case_review": True, "identity_disclosure": True},
    )

    page = signed_in(focal_point).get(f"/staff/cases/{case.id}/").content.decode()

    assert "Amina[U+202E]XYZ" in page
    assert "He said[U+200B] nothing.<br>Then he left. &lt;script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "\u202e" not in page
    assert "\u200b" not in page
    assert "<bdi>Amina[U+202E]XYZ</bdi>" in page


# --- The list page as each role's workspace (issue 11) ---------------------------------------


def test_the_queue_shows_labels_and_days_never_codes_or_timestamps_issue_11(
    open_case: Any, focal_point: Any
) -> None:
    case = open_case()
    page = signed_in(focal_point).get("/staff/").content.decode()
    assert "<h1>Case queue</h1>" in page
    row = page[page.index(case.report.reference) :]
    row = row[: row.index("</tr>")]
    assert "Physical (unwanted touching)" in row
    assert "Informal resolution" in row
    assert "Talk to the ombudsperson" in row
    assert "Received" in row
    assert f"{case.report.submitted_on:%-d %B %Y}" in row
    assert f"Acknowledge by {case.acknowledgement_due:%-d %B %Y}" in row
    for code in ("physical", "informal", "ombudsperson", "received"):
        assert f">{code}<" not in row
    assert not re.search(r"\d{4}-\d{2}-\d{2}", row)
    assert_no_inline_code(page)


def test_the_queue_sections_new_due_soon_overdue_and_waiting_issue_11(
    open_case: Any, walk_case: Any, focal_point: Any
) -> None:
    today = timezone.localdate()
    new = open_case()
    overdue = open_case()
    Case.objects.filter(pk=overdue.pk).update(acknowledgement_due=today - timedelta(days=2))
    due_soon = walk_case(open_case(), "acknowledged")
    Case.objects.filter(pk=due_soon.pk).update(feedback_due=today + timedelta(days=1))
    waiting = walk_case(open_case(), "acknowledged")
    staff_message_send(case=waiting, actor=focal_point, body="Could you tell us when it began?")
    client = signed_in(focal_point)

    def listed(show: str) -> set[str]:
        page = client.get(f"/staff/?show={show}").content.decode()
        cases = (new, overdue, due_soon, waiting)
        return {case.report.reference for case in cases if case.report.reference in page}

    assert listed("new") == {new.report.reference, overdue.report.reference}
    assert listed("overdue") == {overdue.report.reference}
    assert listed("soon") == {due_soon.report.reference}
    assert listed("waiting") == {waiting.report.reference}
    assert "waiting for the reporter" in client.get("/staff/?show=waiting").content.decode()


def test_the_queue_searches_by_reference_and_sorts_by_received_day_or_deadline_issue_11(
    open_case: Any, focal_point: Any
) -> None:
    today = timezone.localdate()
    older, newer = open_case(), open_case()
    Report.objects.filter(pk=older.report_id).update(submitted_on=today - timedelta(days=5))
    # The newer one is due first, so the two orders differ. (The case keeps its own copy of the
    # day, which the queue sorts by: the service sets it once, as the report never changes it.)
    Case.objects.filter(pk=older.pk).update(
        acknowledgement_due=today + timedelta(days=9), submitted_on=today - timedelta(days=5)
    )
    client = signed_in(focal_point)

    def order(query: str) -> list[str]:
        page = client.get(f"/staff/{query}").content.decode()
        references = (older.report.reference, newer.report.reference)
        return sorted(references, key=page.index)

    assert order("?sort=deadline") == [newer.report.reference, older.report.reference]
    assert order("?sort=received") == [older.report.reference, newer.report.reference]
    assert order("?sort=-received") == [newer.report.reference, older.report.reference]
    part = older.report.reference[2:6].lower()
    found = client.get(f"/staff/?q={part}").content.decode()
    assert older.report.reference in found
    assert newer.report.reference not in found


def test_deadline_order_puts_closed_cases_after_every_open_one(
    open_case: Any, focal_point: Any
) -> None:
    """Seen in the demo: a case closed long ago kept its old deadline and led the queue."""
    today = timezone.localdate()
    closed, still_open = open_case(), open_case()
    Case.objects.filter(pk=closed.pk).update(
        state="closed", acknowledgement_due=today - timedelta(days=300)
    )
    Case.objects.filter(pk=still_open.pk).update(acknowledgement_due=today + timedelta(days=9))
    page = signed_in(focal_point).get("/staff/?sort=deadline").content.decode()
    assert page.index(still_open.report.reference) < page.index(closed.report.reference)


@pytest.mark.parametrize("query", ["?show=everything", "?sort=severity", "?state=lost"])
def test_the_queue_refuses_an_option_it_does_not_offer_with_a_clear_error_issue_11(
    query: str, open_case: Any, focal_point: Any
) -> None:
    case = open_case()
    response = signed_in(focal_point).get(f"/staff/{query}")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose one of the options in the list." in page
    assert 'aria-invalid="true"' in page
    assert case.report.reference not in page


def test_overdue_follows_the_day_in_the_staff_members_time_zone_issue_11(
    open_case: Any, focal_point: Any
) -> None:
    utc_today = timezone.now().date()
    # Far east or far west of UTC, one of the two is on another day whatever the hour.
    zone = next(
        name
        for name in ("Pacific/Kiritimati", "Pacific/Niue")
        if timezone.localdate(timezone=ZoneInfo(name)) != utc_today
    )
    local_today = timezone.localdate(timezone=ZoneInfo(zone))
    due = min(utc_today, local_today)
    case = open_case()
    Case.objects.filter(pk=case.pk).update(acknowledgement_due=due)
    staff_settings_set(actor=focal_point, time_zone=zone, language="")
    overdue_here = due < local_today
    assert overdue_here != (due < utc_today)
    page = signed_in(focal_point).get("/staff/?show=overdue").content.decode()
    assert (case.report.reference in page) is overdue_here
    assert f"({zone})" in page


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_page_costs_the_same_queries_for_3_or_30_cases_issue_11(
    count: int,
    open_case: Any,
    walk_case: Any,
    focal_point: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for number in range(count):
        case = open_case()
        if number % 3 == 0:
            staff_message_send(
                case=walk_case(case, "acknowledged"), actor=focal_point, body="A question."
            )
    client = signed_in(focal_point)
    with django_assert_max_num_queries(8):
        page = client.get("/staff/?sort=-received").content.decode()
    assert page.count("<tr>") == count + 1
