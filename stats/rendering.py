"""Released numbers as readers see them: the charts and tables of the pages, and the transparency
report as a CSV and a PDF file.

Nothing here counts or withholds: every number comes from a ``PublishedTable`` or a ``Figure``
(``stats.selectors``, ``stats.transparency``) exactly as published, and a withheld one is shown
by the word "withheld", never by a number, a zero or a bar of any length.
"""

from __future__ import annotations

import csv
import datetime
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from feedback.vocabulary import HoldsBack, SurveyQuestion
from stats.families import label_of, position
from stats.selectors import PublishedTable
from stats.transparency import Figure, Section, TransparencyReport

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

WITHHELD = gettext_lazy("withheld")

# What each dimension is, as a table's column heading.
DIMENSION_TITLES: dict[str, StrOrPromise] = {
    "quarter": gettext_lazy("Quarter"),
    "category": gettext_lazy("Category"),
    "entity": gettext_lazy("Entity"),
    "route": gettext_lazy("Route"),
    "state": gettext_lazy("Where the case stands"),
    "outcome": gettext_lazy("Findings"),
    "location_type": gettext_lazy("Where it happened"),
    "reporter_role": gettext_lazy("Who reported"),
    "kind": gettext_lazy("Harassment or retaliation"),
    "closure_reason": gettext_lazy("How the case ended"),
    "measure": gettext_lazy("Measure"),
    "in_time": gettext_lazy("Acknowledged"),
    "ground": gettext_lazy("Ground of the override"),
    "not_ready_category": gettext_lazy("What happened"),
    **{question: label for question, label in SurveyQuestion.choices},
    **{reason: label for reason, label in HoldsBack.choices},
}


def k_rule(k: int) -> str:
    """The disclosure rule in one sentence, the same on every page and in every file."""
    return _(
        "Counts below %(k)s are withheld, shown as “withheld”, and enough others are withheld "
        "that none can be worked out."
    ) % {"k": k}


def count_text(count: int | None) -> str:
    return str(WITHHELD) if count is None else str(count)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def figure_text(figure: Figure) -> str:
    """A figure in words with its unit, or "withheld"."""
    if figure.value is None:
        return str(WITHHELD)
    number = _number(figure.value)
    if figure.unit == "days":
        return ngettext("%(days)s day", "%(days)s days", 1 if figure.value == 1 else 2) % {
            "days": number
        }
    if figure.unit == "percent":
        return _("%(percent)s%%") % {"percent": number}
    return number


# --- charts and tables on the pages -----------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One row of a chart and of its data table."""

    code: str
    label: str
    count: int | None

    @property
    def withheld(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class Chart:
    """A one-dimension table ready to draw: a bar per value, then the total."""

    key: str
    title: str
    heading: str
    bars: list[Bar]
    total: int | None
    # Whether a total row belongs under the bars (not for a list of separate yes-counts).
    shows_total: bool = True

    @property
    def empty(self) -> bool:
        return not self.bars

    @property
    def crossed(self) -> bool:
        return False


def chart_of(table: PublishedTable, dimension: str, *, key: str, title: StrOrPromise) -> Chart:
    """The chart of ``table`` over its one dimension ``dimension``."""
    return Chart(
        key=key,
        title=str(title),
        heading=str(DIMENSION_TITLES.get(dimension, dimension)),
        bars=[
            Bar(
                cell.values[dimension], str(label_of(dimension, cell.values[dimension])), cell.count
            )
            for cell in table.cells
        ],
        total=table.total,
    )


@dataclass(frozen=True)
class CrossRow:
    code: str
    label: str
    counts: list[int | None]
    total: int | None


@dataclass(frozen=True)
class CrossTable:
    """A two-dimension table: a row per value of the first dimension, a column per value of the
    second."""

    key: str
    title: str
    row_heading: str
    columns: list[tuple[str, str]]
    rows: list[CrossRow]
    # The margins, from the published one-dimension tables where the caller has them.
    shows_row_totals: bool = False
    column_totals: list[int | None] | None = None
    total: int | None = None

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def crossed(self) -> bool:
        return True


def cross_table_of(
    table: PublishedTable,
    rows_dimension: str,
    columns_dimension: str,
    *,
    key: str,
    title: StrOrPromise,
    row_totals: PublishedTable | None = None,
    column_totals: PublishedTable | None = None,
) -> CrossTable:
    """``table`` laid out in rows and columns; the margins are the published tables of each
    dimension alone (so a total is withheld exactly where the publication withholds it)."""

    def ordered(dimension: str) -> list[str]:
        found = {cell.values[dimension] for cell in table.cells}
        return sorted(found, key=lambda value: position(dimension, value))

    columns = ordered(columns_dimension)
    counts = {
        (cell.values[rows_dimension], cell.values[columns_dimension]): cell.count
        for cell in table.cells
    }
    rows = [
        CrossRow(
            code=row,
            label=str(label_of(rows_dimension, row)),
            counts=[counts.get((row, column)) for column in columns],
            total=row_totals.count(**{rows_dimension: row}) if row_totals else None,
        )
        for row in ordered(rows_dimension)
    ]
    return CrossTable(
        key=key,
        title=str(title),
        row_heading=str(DIMENSION_TITLES.get(rows_dimension, rows_dimension)),
        columns=[(column, str(label_of(columns_dimension, column))) for column in columns],
        rows=rows,
        shows_row_totals=row_totals is not None,
        column_totals=(
            [column_totals.count(**{columns_dimension: column}) for column in columns]
            if column_totals
            else None
        ),
        total=table.total,
    )


# --- the transparency report as files ---------------------------------------------------------


def _section_dimensions(report: TransparencyReport) -> int:
    return max((len(section.table.dimensions) for section in report.sections), default=1)


def _spreadsheet_safe(text: str) -> str:
    """A text cell a spreadsheet will not run: entity names are typed by administrators, and a
    leading ``=`` would make a formula of one."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _status(report: TransparencyReport) -> list[str]:
    if report.approved_on is None:
        return ["status", "draft", ""]
    return ["status", "approved", report.approved_on.isoformat()]


def section_rows(section: Section) -> list[tuple[list[tuple[str, str, str]], int | None]]:
    """Each number of a section: its (dimension, code, label) triples, then its count; the
    section's total last, with no dimension."""
    rows: list[tuple[list[tuple[str, str, str]], int | None]] = [
        (
            [
                (
                    dimension,
                    cell.values[dimension],
                    str(label_of(dimension, cell.values[dimension])),
                )
                for dimension in section.table.dimensions
            ],
            cell.count,
        )
        for cell in section.table.cells
    ]
    rows.append(([], section.table.total))
    return rows


def transparency_csv(report: TransparencyReport) -> str:
    """The report as CSV: a few lines saying what it is, a row per published number (an empty
    count where it is withheld), then the figures."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["year", report.year])
    writer.writerow(
        [
            "scope",
            _spreadsheet_safe(report.entity.code) if report.entity else "all",
            _spreadsheet_safe(str(report.scope)),
        ]
    )
    writer.writerow(["k", report.k])
    writer.writerow(["quarters released", *report.quarters])
    writer.writerow(_status(report))
    writer.writerow([])
    width = _section_dimensions(report)
    dimension_columns = [
        name for n in range(1, width + 1) for name in (f"dimension_{n}", f"value_{n}", f"label_{n}")
    ]
    writer.writerow(["section", "title", *dimension_columns, "count", "suppressed"])
    for section in report.sections:
        for described, count in section_rows(section):
            described_cells: list[str] = []
            for dimension, code, label in described:
                described_cells += [dimension, _spreadsheet_safe(code), _spreadsheet_safe(label)]
            if not described:
                described_cells = ["", "", _("Total")]
            described_cells += [""] * (3 * width - len(described_cells))
            writer.writerow(
                [
                    section.key,
                    _spreadsheet_safe(str(section.title)),
                    *described_cells,
                    "" if count is None else count,
                    "true" if count is None else "false",
                ]
            )
    writer.writerow([])
    writer.writerow(["figure", "label", "value", "unit", "suppressed"])
    for figure in report.figures:
        writer.writerow(
            [
                figure.key,
                str(figure.label),
                "" if figure.value is None else _number(figure.value),
                figure.unit,
                "true" if figure.value is None else "false",
            ]
        )
    return buffer.getvalue()


# The PDF's core font covers Windows-1252 only; these read the same in it.
_PLAIN = str.maketrans({"\u2011": "-", "\u2012": "-", "\u2212": "-", "\u00a0": " "})


def _printable(text: object) -> str:
    """Text the core font can print: a character outside Windows-1252 (a translation's script)
    becomes "?" rather than failing the whole report."""
    composed = unicodedata.normalize("NFC", str(text)).translate(_PLAIN)
    return composed.encode("cp1252", errors="replace").decode("cp1252")


class _ReportPdf(FPDF):
    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=8)
        self.cell(
            0,
            10,
            _printable(_("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}),
            align="C",
        )


_HEADINGS = FontFace(emphasis="BOLD", fill_color=(231, 237, 243))


def _pdf_table(
    pdf: FPDF, headings: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[int]
) -> None:
    pdf.set_font("Helvetica", size=9)
    align = ("LEFT",) * (len(headings) - 1) + ("RIGHT",)
    with pdf.table(
        col_widths=tuple(widths),
        text_align=align,
        headings_style=_HEADINGS,
        line_height=5,
        padding=1.5,
    ) as table:
        for values in [headings, *rows]:
            row = table.row()
            for value in values:
                row.cell(_printable(value))
    pdf.ln(4)


def _pdf_heading(pdf: FPDF, text: str, size: int) -> None:
    # A heading is not left alone at the foot of a page, away from its table.
    if pdf.will_page_break(40):
        pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=size)
    pdf.multi_cell(0, size * 0.55, _printable(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _pdf_text(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, _printable(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def report_title(report: TransparencyReport) -> str:
    return _("Transparency report %(year)s") % {"year": report.year}


def status_text(report: TransparencyReport) -> str:
    if report.approved_on is None:
        return _("Draft: not yet approved by leadership.")
    return _("Approved on %(date)s.") % {"date": report.approved_on.isoformat()}


def quarters_text(report: TransparencyReport) -> str:
    released = ", ".join(report.quarters) if report.quarters else _("none yet")
    if report.complete:
        return _("Quarters released: %(quarters)s.") % {"quarters": released}
    return _("Quarters released: %(quarters)s (the year is not complete).") % {"quarters": released}


def transparency_pdf(report: TransparencyReport) -> bytes:
    """The report as a PDF: what it covers, the disclosure rule, the figures, each section as a
    table of labels and counts (the word "withheld" for a withheld one)."""
    pdf = _ReportPdf(format="A4")
    # Helvetica is one of the PDF's own fonts (nothing to embed); it is written in the
    # Windows-1252 encoding, which has the typographic quotes and dashes of the labels.
    pdf.core_fonts_encoding = "cp1252"
    # The same report on the same day gives the same bytes (the file id hashes the content and
    # this date); no time of day, which would say nothing to a reader.
    day = report.approved_on or timezone.localdate()
    pdf.set_creation_date(datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC))
    pdf.set_title(_printable(report_title(report)))
    pdf.set_lang(get_language() or "en")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    _pdf_heading(pdf, report_title(report), 18)
    _pdf_text(pdf, _("Scope: %(scope)s") % {"scope": report.scope})
    _pdf_text(pdf, status_text(report))
    _pdf_text(pdf, quarters_text(report))
    _pdf_text(pdf, k_rule(report.k))
    _pdf_heading(pdf, _("Key figures"), 13)
    _pdf_table(
        pdf,
        [_("Figure"), _("Value")],
        [(str(figure.label), figure_text(figure)) for figure in report.figures],
        (4, 1),
    )
    for section in report.sections:
        _pdf_heading(pdf, str(section.title), 12)
        dimensions = section.table.dimensions
        headings = [str(DIMENSION_TITLES.get(d, d)) for d in dimensions] + [_("Count")]
        rows: list[list[str]] = []
        for described, count in section_rows(section):
            labels = [label for _dimension, _code, label in described] or [_("Total")]
            labels += [""] * (len(dimensions) - len(labels))
            rows.append([*labels, count_text(count)])
        _pdf_table(pdf, headings, rows, (*([3] * len(dimensions)), 1))
    return bytes(pdf.output())
