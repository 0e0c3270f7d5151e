"""The leadership API: who may read statistics, what a bad question gets, and what a period is."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Entity, Role
from stats.models import Release, TransparencyApproval
from stats.services import release_due
from tests.helpers.reporter import receipt_of, sign_in
from tests.helpers.stats import file_report

pytestmark = pytest.mark.django_db

AGGREGATE = "/api/v1/stats/aggregate"
REPORT = "/api/v1/stats/transparency-report"


@pytest.fixture
def released(entity: Entity, other_entity: Entity) -> None:
    """Three quarters of 2026, each with enough reports in two entities for counts to show."""
    for quarter in ("2026Q1", "2026Q2", "2026Q3"):
        for i in range(36):
            file_report(
                entity if i % 4 < 2 else other_entity,
                quarter=quarter,
                category=("verbal", "physical", "non_verbal")[i % 3],
                route=("informal", "formal")[i % 2],
            )
    release_due()


@pytest.mark.parametrize("role", [Role.LEADERSHIP, Role.ADMIN])
def test_leadership_and_admins_read_aggregates(
    role: str, make_staff: Any, staff_api: Any, released: None
) -> None:
    body = (
        staff_api(make_staff(role, username=f"reader_{role}"))
        .get(AGGREGATE, {"dimensions": "category,route"})
        .json()
    )
    assert body["k"] == 5
    assert body["dimensions"] == ["category", "route"]
    assert body["total"] == 108
    assert body["quarters"] == ["2026Q1", "2026Q2", "2026Q3"]
    assert len(body["cells"]) == 7 * 5  # every combination, the empty ones too
    published = [c["count"] for c in body["cells"] if not c["suppressed"]]
    assert published
    assert all(count >= 5 for count in published)
    assert sum(published) <= 108


@pytest.mark.parametrize("role", [Role.FOCAL_POINT, Role.OMBUDSPERSON, Role.INVESTIGATOR])
@pytest.mark.parametrize("path", [AGGREGATE, f"{REPORT}?year=2026"])
def test_other_staff_roles_are_refused_statistics(
    role: str, path: str, make_staff: Any, staff_api: Any
) -> None:
    response = staff_api(make_staff(role, username=f"not_leader_{role}")).get(path)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


@pytest.mark.parametrize("path", [AGGREGATE, f"{REPORT}?year=2026"])
def test_anonymous_callers_and_reporters_are_refused_statistics(
    path: str, submit_report: Any
) -> None:
    assert APIClient().get(path).status_code == 401
    reporter = sign_in(receipt_of(submit_report()))
    assert reporter.get(path).status_code == 401


def test_leadership_is_refused_at_every_reporter_endpoint(leadership: Any, staff_api: Any) -> None:
    client = staff_api(leadership)
    for method, path in [
        ("get", "/api/v1/reporter/report"),
        ("post", "/api/v1/reporter/consents"),
        ("post", "/api/v1/reporter/messages"),
        ("post", "/api/v1/reporter/route"),
    ]:
        response = getattr(client, method)(path, {}, format="json")
        assert response.status_code == 403, path
        assert response.json()["error"] == "forbidden"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"dimensions": "category,colour"}, "dimensions"),
        ({"dimensions": "category,route,state,outcome"}, "dimensions"),
        ({"dimensions": "category,category"}, "dimensions"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-06-01", "to": "2026-01-01"}, "to"),
        ({"entity": "NOPE"}, "entity"),
    ],
)
def test_a_bad_question_is_a_400_naming_the_parameter(
    query: dict[str, str], field: str, leadership: Any, staff_api: Any
) -> None:
    response = staff_api(leadership).get(AGGREGATE, query)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "validation_error"
    assert list(body["fields"]) == [field]


@pytest.mark.parametrize(
    ("query", "field"),
    [({}, "year"), ({"year": "26"}, "year"), ({"year": "2026", "format": "docx"}, "format")],
)
def test_a_bad_report_question_is_a_400_naming_the_parameter(
    query: dict[str, str], field: str, leadership: Any, staff_api: Any
) -> None:
    response = staff_api(leadership).get(REPORT, query)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_from_and_to_snap_to_whole_quarters(
    leadership: Any, staff_api: Any, released: None
) -> None:
    body = (
        staff_api(leadership)
        .get(AGGREGATE, {"dimensions": "quarter", "from": "2026-02-17", "to": "2026-04-02"})
        .json()
    )
    assert (body["from"], body["to"]) == ("2026-01-01", "2026-06-30")
    assert [(c["quarter"], c["count"]) for c in body["cells"]] == [("2026Q1", 36), ("2026Q2", 36)]
    one_day = staff_api(leadership).get(AGGREGATE, {"from": "2026-05-05", "to": "2026-05-05"})
    assert one_day.json()["total"] == 36


def test_a_period_adds_its_quarters_and_withholds_what_any_quarter_withholds(
    leadership: Any, staff_api: Any, released: None, entity: Entity
) -> None:
    client = staff_api(leadership)
    by_quarter = client.get(AGGREGATE, {"dimensions": "category,quarter"}).json()["cells"]
    whole = client.get(AGGREGATE, {"dimensions": "category"}).json()["cells"]
    for cell in whole:
        parts = [c["count"] for c in by_quarter if c["category"] == cell["category"]]
        assert len(parts) == 3
        expected = None if None in parts else sum(parts)
        assert cell["count"] == expected, cell
    assert any(cell["count"] is not None for cell in whole)
    assert any(cell["count"] is None for cell in whole)

    # A report of a kind seen nowhere else, after 2026Q3's release: the release stays as it was.
    file_report(entity, quarter="2026Q3", category="sexual_assault")
    assert release_due() == []
    assert client.get(AGGREGATE).json()["total"] == 108


def test_three_descriptive_dimensions_are_all_withheld(
    leadership: Any, staff_api: Any, released: None
) -> None:
    body = staff_api(leadership).get(AGGREGATE, {"dimensions": "category,route,entity"}).json()
    assert body["cells"]
    assert all(cell["suppressed"] and cell["count"] is None for cell in body["cells"])
    assert body["total"] == 108


def test_leadership_approves_a_complete_year_only(
    leadership: Any, focal_point: Any, staff_api: Any, released: None
) -> None:
    approve = "/api/v1/stats/transparency-report/approve"
    refused = staff_api(leadership).post(approve, {"year": 2026}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["year"]
    assert staff_api(focal_point).post(approve, {"year": 2025}, format="json").status_code == 403
    assert not TransparencyApproval.objects.exists()


def test_the_transparency_report_as_json(leadership: Any, staff_api: Any, released: None) -> None:
    client = staff_api(leadership)
    body = client.get(REPORT, {"year": "2026"}).json()
    assert body["year"] == 2026
    assert body["approved"] is False
    assert body["quarters"] == ["2026Q1", "2026Q2", "2026Q3"]
    assert body["figures"]["received"]["value"] == 108
    # The same numbers, and the same withholding, as the aggregate API for the year.
    year = client.get(
        AGGREGATE, {"dimensions": "category", "from": "2026-01-01", "to": "2026-12-31"}
    )
    assert body["sections"]["by_category"]["cells"] == year.json()["cells"]
    assert body["sections"]["by_category"]["total"] == 108


def test_the_aggregate_query_count_does_not_grow_with_quarters_or_reports(
    leadership: Any, staff_api: Any, entity: Entity, django_assert_max_num_queries: Any
) -> None:
    client = staff_api(leadership)
    for _ in range(6):
        file_report(entity, quarter="2026Q1")
    release_due()
    with django_assert_max_num_queries(12) as few:
        assert client.get(AGGREGATE, {"dimensions": "category,route"}).status_code == 200
    for quarter in ("2025Q2", "2025Q3", "2025Q4"):
        for _ in range(6):
            file_report(entity, quarter=quarter)
    Release.objects.all().delete()
    release_due()
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(AGGREGATE, {"dimensions": "category,route"}).json()
    assert body["total"] == 24


def test_a_downloaded_reports_file_name_keeps_only_safe_characters(
    leadership: Any, staff_api: Any, released: None, entity: Entity
) -> None:
    Entity.objects.filter(pk=entity.pk).update(code='U"N;W')
    response = staff_api(leadership).get(
        REPORT, {"year": "2026", "entity": 'U"N;W', "format": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="transparency-report-2026-UNW.csv"'
    )
