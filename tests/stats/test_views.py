"""Leadership's pages (``stats.views``): the dashboard and the transparency report, their access
rules, and that they show exactly the API's numbers and withholding."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Entity, User
from core.quarters import current_quarter, previous_quarter
from feedback.models import NotReadyResponse, SurveyResponse
from stats.models import TransparencyApproval
from stats.selectors import published_table, released_quarters
from stats.services import release_due
from tests.helpers.html import content_policy_violations
from tests.helpers.staff import signed_in
from tests.helpers.stats import file_mixed_reports, file_report

pytestmark = pytest.mark.django_db

QUARTER = "2026Q3"


@pytest.fixture
def released(entity: Entity, other_entity: Entity) -> None:
    """32 reports of 2026Q3, released: some categories published, others withheld."""
    file_mixed_reports(entity)
    release_due()


def table_rows(html: str, table_id: str) -> dict[str, str]:
    """A data table of the page: each row's value code and what its count cell says."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.DOTALL)
    assert table, f"no table {table_id}"
    return dict(
        re.findall(
            r'<tr data-value="([^"]+)"><th scope="row">[^<]*</th><td class="stats-count[^"]*">([^<]*)</td>',
            table.group(0),
        )
    )


# --- the dashboard ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["leadership", "admin"])
def test_leadership_and_administrators_read_the_dashboard(
    role: str, released: None, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(role)

    response = signed_in(user).get("/dashboard/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Statistics dashboard" in html
    assert content_policy_violations(html) == []
    assert "/static/css/stats.css" in html
    for table in (
        "chart-reports-by-quarter-table",
        "chart-reports-by-category-table",
        "chart-reports-by-route-table",
        "chart-reports-by-location-table",
        "chart-reports-by-role-table",
        "chart-closures-by-reason-table",
        "chart-closures-by-findings-table",
        "chart-measures-table",
        "chart-survey-felt_heard-by-route-table",
        "chart-not-ready-category-table",
        "chart-not-ready-holds-back-table",
    ):
        assert f'id="{table}"' in html
    assert "Zero reports does not mean zero incidents." in html
    assert f"Quarters released: {QUARTER}" in html
    # The staff navigation leads here.
    assert 'href="/dashboard/"' in html


@pytest.mark.parametrize("role", ["focal_point", "ombudsperson", "investigator"])
def test_other_roles_are_refused_the_dashboard(role: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(role)

    response = signed_in(user).get("/dashboard/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "Your role does not allow this." in html
    assert 'href="/dashboard/"' not in html  # nor does the navigation offer it


def test_before_any_release_the_dashboard_says_so(leadership: User) -> None:
    response = signed_in(leadership).get("/dashboard/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "No quarter has been released yet." in html
    assert "No numbers are published for this selection in this period." in html


def test_a_visitor_is_sent_to_sign_in() -> None:
    response = Client().get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/staff/login/"


def test_the_dashboard_shows_the_apis_numbers_and_withholding(
    released: None, leadership: User, admin: User, staff_api: Callable[[User], Any]
) -> None:
    period = {"from": "2026-07-01", "to": "2026-09-30"}
    # The API answer, as an administrator's client reads it (one sign-in per user and test).
    answer = (
        staff_api(admin).get("/api/v1/stats/aggregate", {"dimensions": "category", **period}).json()
    )

    html = signed_in(leadership).get("/dashboard/", period).content.decode()

    shown = table_rows(html, "chart-reports-by-category-table")
    expected = {
        cell["category"]: "withheld" if cell["suppressed"] else str(cell["count"])
        for cell in answer["cells"]
    }
    assert shown == {**expected, "total": str(answer["total"])}
    assert "withheld" in expected.values()  # the data has both kinds
    assert any(value.isdigit() for value in expected.values())


def test_the_dashboard_filters_by_entity(released: None, leadership: User, entity: Entity) -> None:
    html = signed_in(leadership).get("/dashboard/", {"entity": entity.code}).content.decode()

    # Its own cells only (whether each is published is the release's decision).
    assert set(table_rows(html, "chart-reports-by-quarter-table")) == {QUARTER, "total"}
    assert f'<option value="{entity.code}" selected>' in html


def test_the_entities_counted_together_have_their_tables_but_no_service_figures(
    released: None, leadership: User
) -> None:
    response = signed_in(leadership).get("/dashboard/", {"entity": "other"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="chart-reports-by-category-table"' in html
    assert 'id="service-figures"' not in html
    assert "Service figures are shown for one entity or for all entities together" in html


def cross_table_cells(html: str, table_id: str) -> dict[tuple[str, str], str]:
    """A two-dimension table of the page: (row code, column code) -> what the cell says."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.DOTALL)
    assert table, f"no table {table_id}"
    columns = re.findall(r'<th scope="col" class="stats-count" data-value="([^"]+)">', table[0])
    cells = {}
    for row, body in re.findall(r'<tr data-value="([^"]+)">(.*?)</tr>', table[0], re.DOTALL):
        counts = re.findall(r'<td class="stats-count[^"]*">([^<]*)</td>', body)
        cells.update({(row, column): count for column, count in zip(columns, counts, strict=False)})
    return cells


def test_the_survey_and_not_ready_tables_show_the_released_answers(
    entity: Entity, other_entity: Entity, leadership: User
) -> None:
    # Given survey answers by route, and "not ready" answers, in a released quarter.
    file_report(entity, quarter=QUARTER)
    for route, felt_heard, count in (("formal", 4, 7), ("informal", 5, 6), ("formal", None, 2)):
        SurveyResponse.objects.bulk_create(
            SurveyResponse(quarter=QUARTER, route=route, felt_heard=felt_heard)
            for _ in range(count)
        )
    NotReadyResponse.objects.bulk_create(
        NotReadyResponse(quarter=QUARTER, category="verbal", fear_of_retaliation=True)
        for _ in range(9)
    )
    release_due()

    html = signed_in(leadership).get("/dashboard/").content.decode()

    # When the page is read, then each cell is the released one, withheld where it is withheld.
    shown = cross_table_cells(html, "chart-survey-felt_heard-by-route-table")
    table = published_table("survey", ["route", "felt_heard"], [QUARTER])
    assert len(table.cells) == 30  # five routes, five answers and "prefer not to say"
    for cell in table.cells:
        expected = "withheld" if cell.count is None else str(cell.count)
        assert shown[(cell.values["route"], cell.values["felt_heard"])] == expected
    # The last row: each answer over every route, as its own table publishes it.
    answers = published_table("survey", ["felt_heard"], [QUARTER])
    for cell in answers.cells:
        expected = "withheld" if cell.count is None else str(cell.count)
        assert shown[("total", cell.values["felt_heard"])] == expected
    holds_back = table_rows(html, "chart-not-ready-holds-back-table")
    fear = published_table("not_ready", ["fear_of_retaliation"], [QUARTER])
    yes = fear.count(fear_of_retaliation="yes")
    assert holds_back["fear_of_retaliation"] == ("withheld" if yes is None else str(yes))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "last spring"}, "Give a date as YYYY-MM-DD."),
        (
            {"from": "2026-09-01", "to": "2026-01-01"},
            "The end of the period comes before its start.",
        ),
        ({"entity": "NOPE"}, "No entity has this code."),
    ],
)
def test_a_bad_filter_is_shown_with_its_message(
    params: dict[str, str], message: str, leadership: User
) -> None:
    response = signed_in(leadership).get("/dashboard/", params)

    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_dashboards_queries_do_not_grow_with_the_reports(
    entity: Entity, other_entity: Entity, leadership: User, django_assert_max_num_queries: Any
) -> None:
    # The quarter in progress, released as a demonstration does: redone whole at each release.
    quarter = current_quarter()
    client = signed_in(leadership)

    def dashboard_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/dashboard/").status_code == 200
        return len(queries)

    for _ in range(10):
        file_report(entity, quarter=quarter)
    release_due(include_current_quarter=True)
    with_ten = dashboard_queries()
    for _ in range(30):
        file_report(entity, quarter=quarter, category="physical")
    release_due(include_current_quarter=True)

    with django_assert_max_num_queries(with_ten):
        assert client.get("/dashboard/").status_code == 200
    assert dashboard_queries() == with_ten


# The session, the user, the released quarters, the entities, then the releases and cells of
# each batch of tables and the service figures' histograms: a constant, whatever is shown.
DASHBOARD_QUERIES = 20


@pytest.mark.parametrize("by_entity", [False, True])
def test_the_dashboards_queries_do_not_grow_with_the_quarters_or_tables(
    by_entity: bool,
    entity: Entity,
    other_entity: Entity,
    leadership: User,
    django_assert_max_num_queries: Any,
) -> None:
    client = signed_in(leadership)
    params = {"entity": entity.code} if by_entity else {}
    last = previous_quarter(current_quarter())

    def dashboard_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/dashboard/", params)
        assert response.status_code == 200
        return len(queries)

    quarters = [last]
    for _ in range(7):
        quarters.insert(0, previous_quarter(quarters[0]))
    for quarter in quarters[-2:]:
        file_report(entity, quarter=quarter)
    release_due()
    assert len(released_quarters()) == 2
    with_two = dashboard_queries()
    for quarter in quarters[:-2]:
        file_report(entity, quarter=quarter)
    release_due()
    assert len(released_quarters()) == 8

    assert dashboard_queries() == with_two
    # Dozens of tables are shown: each must not cost its own queries.
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        assert client.get("/dashboard/", params).status_code == 200


# --- the transparency report -----------------------------------------------------------------

YEAR = "2025"


@pytest.fixture
def released_year(entity: Entity, other_entity: Entity) -> None:
    """2025's four quarters released, five reports in each (and every quarter since): a draft
    until approved."""
    for quarter in ("2025Q1", "2025Q2", "2025Q3", "2025Q4"):
        for _ in range(5):
            file_report(entity, quarter=quarter)
    release_due()


def approve(leadership: User) -> Any:
    return signed_in(leadership).post("/transparency/approve", {"year": YEAR}, follow=True)


def test_a_draft_is_read_by_leadership_only(
    released_year: None, leadership: User, focal_point: User
) -> None:
    page = signed_in(leadership).get("/transparency/", {"year": YEAR})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Draft: not yet approved by leadership." in html
    assert 'action="/transparency/approve"' in html
    assert content_policy_violations(html) == []

    focal_point_browser = signed_in(focal_point)
    assert focal_point_browser.get("/transparency/", {"year": YEAR}).status_code == 403
    refused = Client().get("/transparency/", {"year": YEAR})
    assert refused.status_code == 403
    assert "This transparency report is not published" in refused.content.decode()
    assert Client().get("/transparency/").status_code == 403  # nothing approved at all
    download = {"year": YEAR, "format": "csv"}
    assert focal_point_browser.get("/transparency/download", download).status_code == 403


def test_once_leadership_approves_staff_read_it_and_visitors_where_it_is_published_openly(
    released_year: None, leadership: User, focal_point: User, entity: Entity, other_entity: Entity
) -> None:
    approved = approve(leadership)
    assert "is approved" in approved.content.decode()
    assert TransparencyApproval.objects.filter(year=int(YEAR), approved_by=leadership).exists()

    # Without a year: the latest approved one.
    page = signed_in(focal_point).get("/transparency/")
    assert page.status_code == 200
    assert "Transparency report 2025" in page.content.decode()
    assert 'action="/transparency/approve"' not in page.content.decode()

    visitor = Client()
    assert visitor.get("/transparency/", {"year": YEAR}).status_code == 403
    assert visitor.get("/transparency/", {"year": YEAR, "entity": "UNW"}).status_code == 403
    Entity.objects.filter(pk=entity.pk).update(publishes_transparency_report=True)
    public = visitor.get("/transparency/", {"year": YEAR, "entity": entity.code})
    assert public.status_code == 200
    assert "Scope: UN Women" in public.content.decode()
    assert not public.cookies  # no session, no CSRF cookie, no message for a visitor
    assert "csrfmiddlewaretoken" not in public.content.decode()
    assert (
        visitor.get("/transparency/", {"year": YEAR, "entity": other_entity.code}).status_code
        == 403
    )


def test_approval_is_for_leadership_and_a_complete_year_only(
    released_year: None, admin: User, leadership: User
) -> None:
    refused = signed_in(admin).post("/transparency/approve", {"year": YEAR}, follow=True)
    assert "Your role does not allow this." in refused.content.decode()
    incomplete = signed_in(leadership).post("/transparency/approve", {"year": "2026"}, follow=True)
    assert "The year&#x27;s four quarters are not all released yet." in incomplete.content.decode()
    assert not TransparencyApproval.objects.exists()


def test_the_downloads_follow_the_pages_access(
    released_year: None, leadership: User, entity: Entity
) -> None:
    Entity.objects.filter(pk=entity.pk).update(publishes_transparency_report=True)
    visitor = Client()
    asked = {"year": YEAR, "entity": entity.code}
    assert visitor.get("/transparency/download", {**asked, "format": "pdf"}).status_code == 403

    approve(leadership)
    as_csv = visitor.get("/transparency/download", {**asked, "format": "csv"})
    as_pdf = visitor.get("/transparency/download", {**asked, "format": "pdf"})

    assert as_csv.status_code == 200
    assert as_csv["Content-Type"].startswith("text/csv")
    assert as_csv["Content-Disposition"] == (
        'attachment; filename="transparency-report-2025-UNW.csv"'
    )
    assert as_csv.content.decode().startswith("year,2025\r\nscope,UNW,UN Women\r\n")
    assert as_pdf.status_code == 200
    assert as_pdf["Content-Type"] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF")
    assert not as_csv.cookies
    assert not as_pdf.cookies
    wrong = visitor.get("/transparency/download", {**asked, "format": "docx"})
    assert wrong.status_code == 400
    assert "Choose csv or pdf." in wrong.content.decode()


def test_the_transparency_page_shows_the_reports_numbers(
    released_year: None, leadership: User
) -> None:
    html = signed_in(leadership).get("/transparency/", {"year": YEAR}).content.decode()

    figures = table_rows(html, "report-figures")
    assert figures["received"] == "20"
    assert "chart-by_category-table" in html
    assert 'id="chart-category_by_route-table"' in html
    assert "Counts below 5 are withheld" in html


def test_the_staff_navigation_offers_what_each_role_may_open(
    leadership: User, focal_point: User
) -> None:
    leader_page = signed_in(leadership).get("/dashboard/").content.decode()
    assert 'href="/dashboard/"' in leader_page
    assert 'href="/staff/"' not in leader_page  # leadership reaches no case
    focal_page = signed_in(focal_point).get("/staff/").content.decode()
    assert 'href="/staff/"' in focal_page
    assert 'href="/dashboard/"' not in focal_page
