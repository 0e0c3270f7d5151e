"""Issue 12: reports of retaliation are counted in the statistics, by the new ``kind`` dimension
of the reports family, with the same disclosure control as every other count; the contract's
dimensions keep working."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts.models import Entity, User
from stats.models import ReportFact
from stats.services import release_due
from stats.transparency import transparency_report
from tests.helpers.staff import signed_in
from tests.helpers.stats import file_report

pytestmark = pytest.mark.django_db

AGGREGATE = "/api/v1/stats/aggregate"


def file_quarter(entity: Entity, *, harassment: int, retaliation: int) -> None:
    for i in range(harassment + retaliation):
        file_report(
            entity,
            quarter="2026Q2",
            category=("verbal", "physical")[i % 2],
            kind="retaliation" if i >= harassment else "harassment",
        )
    release_due()


def by_kind(client: APIClient) -> dict[str, tuple[int | None, bool]]:
    body = client.get(AGGREGATE, {"dimensions": "kind"}).json()
    return {cell["kind"]: (cell["count"], cell["suppressed"]) for cell in body["cells"]}


def test_the_release_counts_reports_of_retaliation_apart(
    entity: Entity, leadership: User, staff_api: Callable[[User], APIClient]
) -> None:
    file_quarter(entity, harassment=7, retaliation=6)

    assert set(ReportFact.objects.values_list("kind", flat=True)) == {
        "harassment",
        "retaliation",
    }
    assert by_kind(staff_api(leadership)) == {
        "harassment": (7, False),
        "retaliation": (6, False),
    }


def test_few_reports_of_retaliation_are_withheld_and_cannot_be_worked_out_from_the_total(
    entity: Entity, leadership: User, staff_api: Callable[[User], APIClient]
) -> None:
    file_quarter(entity, harassment=9, retaliation=2)
    client = staff_api(leadership)

    counted = by_kind(client)

    assert counted["retaliation"] == (None, True)
    # The total is published, so the other kind is withheld too: otherwise total minus it
    # would give the withheld count away.
    assert client.get(AGGREGATE, {"dimensions": "kind"}).json()["total"] == 11
    assert counted["harassment"] == (None, True)


def test_the_kind_pairs_with_the_contracts_dimensions(
    entity: Entity, leadership: User, staff_api: Callable[[User], APIClient]
) -> None:
    file_quarter(entity, harassment=12, retaliation=10)

    body = staff_api(leadership).get(AGGREGATE, {"dimensions": "category,kind"}).json()

    assert body["dimensions"] == ["category", "kind"]
    assert len(body["cells"]) == 7 * 2  # every combination, the empty ones too
    for cell in body["cells"]:
        assert (cell["count"] is None) == cell["suppressed"]
        assert cell["suppressed"] or cell["count"] >= body["k"]
    # The contract's own dimensions answer as before.
    assert staff_api(leadership).get(AGGREGATE, {"dimensions": "category,route"}).status_code == 200


def test_the_transparency_report_shows_reports_of_retaliation_with_the_same_withholding(
    entity: Entity,
) -> None:
    file_quarter(entity, harassment=9, retaliation=2)

    section = transparency_report(2026).section("by_kind")

    rows = {code: count for code, _label, count in section.rows()}
    assert rows == {"harassment": None, "retaliation": None}


def test_the_dashboard_charts_reports_of_retaliation(entity: Entity, leadership: User) -> None:
    file_quarter(entity, harassment=7, retaliation=6)

    page = signed_in(leadership).get("/dashboard/").content.decode()

    assert 'id="chart-reports-by-kind-table"' in page
    assert "Retaliation after a report" in page


def test_the_kind_table_has_a_worded_column_heading_not_the_code(
    entity: Entity, leadership: User
) -> None:
    # Review finding: the table under the chart was headed by the raw dimension code "kind".
    file_quarter(entity, harassment=7, retaliation=6)

    page = signed_in(leadership).get("/dashboard/").content.decode()

    table = page[page.index('id="chart-reports-by-kind-table"') :]
    heading = re.search(r'<th scope="col">([^<]*)</th>', table)
    assert heading is not None
    assert heading.group(1) == "Harassment or retaliation"
