"""The transparency report's overrides by ground (issue 12, item 6): counted from the released
tables, with the same suppression as every other count, in the report, its page and its files."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest

from accounts.models import Entity, User
from cases.models import Case, Override
from stats.rendering import transparency_csv
from stats.services import release_due
from stats.transparency import transparency_report
from tests.helpers.staff import signed_in
from tests.helpers.stats import file_report

pytestmark = pytest.mark.django_db
QUARTER = "2025Q2"


@pytest.fixture
def overrides_on_grounds(entity: Entity, approved_override: Any) -> None:
    """Six overrides on the duty of care, five for a risk to others and one for a pattern of
    reports, approved in 2025Q2."""
    grounds = ["duty_of_care"] * 6 + ["risk_to_others"] * 5 + ["pattern_of_reports"]
    for ground in grounds:
        report = file_report(entity, quarter=QUARTER, state="assessment")
        approved_override(Case.objects.get(report=report), "escalate_to_formal", ground=ground)
    in_quarter = datetime.datetime(2025, 5, 2, 10, 0, tzinfo=datetime.UTC)
    Override.objects.update(decided_at=in_quarter, requested_at=in_quarter)
    release_due()


def test_overrides_are_counted_by_ground_with_the_small_counts_withheld(
    overrides_on_grounds: None,
) -> None:
    report = transparency_report(2025)
    rows = {code: count for code, _label, count in report.section("overrides_by_ground").rows()}
    assert rows["duty_of_care"] == 6
    # One (and none) are below k: withheld; and since the total is published, so is the five
    # beside them, or their sum would give them away
    assert rows["pattern_of_reports"] is None
    assert rows["not_named"] is None
    assert rows["risk_to_others"] is None
    assert set(rows) == {"duty_of_care", "risk_to_others", "pattern_of_reports", "not_named"}
    assert report.figure("consent_overrides").value == 12


def test_the_api_the_csv_and_the_page_publish_the_same_counts_by_ground(
    overrides_on_grounds: None, leadership: User, make_staff: Any, staff_api: Any
) -> None:
    body = staff_api(leadership).get("/api/v1/stats/transparency-report", {"year": "2025"}).json()
    cells = {
        cell["ground"]: (cell["count"], cell["suppressed"])
        for cell in body["sections"]["overrides_by_ground"]["cells"]
    }
    assert cells["duty_of_care"] == (6, False)
    assert cells["pattern_of_reports"] == (None, True)
    rows = csv.reader(io.StringIO(transparency_csv(transparency_report(2025))))
    # section, title, dimension, code, label, ..., count, suppressed
    ours = {
        row[3]: (row[4], row[-2], row[-1]) for row in rows if row[:1] == ["overrides_by_ground"]
    }
    assert ours["duty_of_care"] == ("The organisation's duty of care", "6", "false")
    assert ours["pattern_of_reports"] == ("A pattern of reports about the same person", "", "true")
    # Another member of leadership reads the page (a TOTP code signs in once)
    reader = make_staff("leadership", username="leader_two")
    html = signed_in(reader).get("/transparency/", {"year": "2025"}).content.decode()
    assert "(four-eyes overrides), by ground" in html
    assert (
        '<tr data-value="duty_of_care"><th scope="row">The organisation&#x27;s duty of care</th>'
        '<td class="stats-count">6</td></tr>'
    ) in html
    assert (
        '<tr data-value="pattern_of_reports"><th scope="row">A pattern of reports about the same '
        'person</th><td class="stats-count stats-withheld">withheld</td></tr>'
    ) in html
