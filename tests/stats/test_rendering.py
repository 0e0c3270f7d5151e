"""The transparency report as files (CSV, PDF) and the pages' charts: the released numbers read
back exactly, a withheld one always as the word "withheld", never as a number."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.template import Context, Template
from pypdf import PdfReader

from accounts.models import Entity
from stats.rendering import transparency_csv, transparency_pdf
from stats.selectors import PublishedCell, PublishedTable
from stats.services import release_due
from stats.transparency import TransparencyReport, transparency_report
from tests.helpers.html import content_policy_violations
from tests.helpers.stats import file_mixed_reports

pytestmark = pytest.mark.django_db

QUARTER = "2026Q3"


@pytest.fixture
def report(entity: Entity, other_entity: Entity) -> TransparencyReport:
    file_mixed_reports(entity)
    release_due()
    return transparency_report(2026)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def one_published_and_one_withheld(report: TransparencyReport) -> tuple[str, int, str]:
    rows = report.section("by_category").rows()
    published = next((label, count) for _code, label, count in rows if count is not None)
    withheld = next(label for _code, label, count in rows if count is None)
    return published[0], published[1], withheld


def test_the_pdf_reads_back_the_received_total_and_the_published_cells(
    report: TransparencyReport,
) -> None:
    text = pdf_text(transparency_pdf(report))

    assert "Transparency report 2026" in text
    assert "Draft" in text
    assert "Counts below 5 are withheld" in " ".join(text.split())
    received = report.figure("received").value
    assert received == 32
    assert re.search(r"Reports received\s+32\b", text)
    label, count, _withheld = one_published_and_one_withheld(report)
    assert re.search(rf"{re.escape(label)}\s+{count}\b", text)


def test_a_withheld_cell_shows_the_word_withheld_in_the_pdf_never_a_number(
    report: TransparencyReport,
) -> None:
    text = pdf_text(transparency_pdf(report))

    _label, _count, withheld = one_published_and_one_withheld(report)
    assert re.search(rf"{re.escape(withheld)}\s+withheld", text)
    assert not re.search(rf"{re.escape(withheld)}\s+\d", text)


def test_the_pdf_is_the_same_for_the_same_report_on_the_same_day(
    report: TransparencyReport,
) -> None:
    assert transparency_pdf(report) == transparency_pdf(report)


def test_text_the_core_font_cannot_print_does_not_break_the_pdf(entity: Entity) -> None:
    Entity.objects.filter(pk=entity.pk).update(name="联合国妇女署 — UN Women")
    entity.refresh_from_db()

    content = transparency_pdf(transparency_report(2026, entity))

    assert content.startswith(b"%PDF")
    assert "Scope: ?" in pdf_text(content)


def test_the_csv_reads_back_as_the_reports_numbers(report: TransparencyReport) -> None:
    rows = list(csv.reader(io.StringIO(transparency_csv(report))))

    assert rows[0] == ["year", "2026"]
    assert rows[1] == ["scope", "all", "All entities"]
    assert rows[2] == ["k", "5"]
    assert rows[3] == ["quarters released", QUARTER]
    assert rows[4] == ["status", "draft", ""]
    header = rows[6]
    assert header[:2] == ["section", "title"]
    assert header[-2:] == ["count", "suppressed"]
    figures_at = rows.index(["figure", "label", "value", "unit", "suppressed"])
    read_back = [
        (row[0], tuple(v for v in row[2:-2:3] + row[3:-2:3] if v), row[-2], row[-1])
        for row in rows[7 : figures_at - 1]
    ]
    expected = []
    for section in report.sections:
        dims = section.table.dimensions
        for cell in section.table.cells:
            expected.append(
                (
                    section.key,
                    tuple(dims) + tuple(cell.values[d] for d in dims),
                    "" if cell.count is None else str(cell.count),
                    "true" if cell.count is None else "false",
                )
            )
        total = section.table.total
        expected.append(
            (
                section.key,
                (),
                "" if total is None else str(total),
                "true" if total is None else "false",
            )
        )
    assert sorted(read_back) == sorted(expected)
    figures = {row[0]: row for row in rows[figures_at + 1 :] if row}
    assert figures["received"][2:] == ["32", "count", "false"]
    assert figures["median_days_to_closure"][2:] == ["", "days", "true"]


def test_a_name_that_a_spreadsheet_would_run_is_kept_as_text(entity: Entity) -> None:
    Entity.objects.filter(pk=entity.pk).update(name='=HYPERLINK("http://example.org")')
    entity.refresh_from_db()

    rows = list(csv.reader(io.StringIO(transparency_csv(transparency_report(2026, entity)))))

    assert rows[1] == ["scope", "UNW", '\'=HYPERLINK("http://example.org")']


# --- the charts -------------------------------------------------------------------------------


def render_chart(table: PublishedTable, dimension: str, title: str) -> str:
    template = Template("{% load stats_charts %}{% bar_chart table dimension title %}")
    return template.render(Context({"table": table, "dimension": dimension, "title": title}))


def test_a_chart_escapes_its_labels_and_draws_nothing_inline() -> None:
    table = PublishedTable(
        family="reports",
        dimensions=["entity"],
        cells=[PublishedCell({"entity": "<script>alert(1)</script>"}, 7)],
        total=7,
        k=5,
    )

    html = render_chart(table, "entity", "Reports <b>by</b> entity")

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Reports &lt;b&gt;by&lt;/b&gt; entity" in html
    assert content_policy_violations(html) == []
    assert 'role="img"' in html
    assert 'aria-labelledby="chart-reports-entity-title chart-reports-entity-desc"' in html


def test_a_withheld_count_is_an_empty_bar_with_the_word_and_no_number() -> None:
    table = PublishedTable(
        family="reports",
        dimensions=["category"],
        cells=[
            PublishedCell({"category": "verbal"}, 40),
            PublishedCell({"category": "physical"}, None),
        ],
        total=None,
        k=5,
    )

    html = render_chart(table, "category", "Reports received")

    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('class="stats-bar"') == 1  # the published count only
    assert svg.count('class="stats-bar-withheld"') == 1
    assert ">withheld</text>" in svg
    assert ">40</text>" in svg
    table_html = html[html.index("<table") :]
    assert re.search(
        r'data-value="physical"><th scope="row">[^<]+</th><td[^>]*>withheld<', table_html
    )
    assert re.search(r'data-value="total"><th scope="row">Total</th><td[^>]*>withheld<', table_html)
