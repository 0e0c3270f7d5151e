"""Server-drawn charts of released numbers: an inline ``<svg>`` of horizontal bars, always
followed by its data table, so the page is complete without JavaScript, without images and for
a screen reader.

The markup comes from templates (``stats/_bar_chart.html``, ``stats/_cross_table.html``), where
autoescaping covers every label: an entity name is typed by an administrator and must never
become markup. Only geometry computed here reaches the SVG, as plain numbers. Colours are CSS
classes (``static/css/stats.css``): the Content-Security-Policy allows no style attribute.

A withheld count is drawn as an empty, dashed bar with the word "withheld": no length, which
would give away a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.text import slugify

from stats.rendering import Bar, Chart, CrossTable, chart_of, count_text, figure_text
from stats.selectors import PublishedTable
from stats.transparency import Figure

register = template.Library()

# The SVG's own units: the browser scales the whole drawing to the width CSS gives it (at most
# a little more than these units on a wide screen, a little less on a phone), so a label stays
# readable on both. SVG text does not wrap: long labels are broken into lines here.
WIDTH = 400
TRACK = 330  # the longest bar; the count is written to its right
VALUE_X = TRACK + 6
LINE = 15
BAR_HEIGHT = 16
GAP = 12
# About this many characters of a 13-unit sans-serif label fit in the width.
LINE_CHARACTERS = 60


@dataclass(frozen=True)
class DrawnBar:
    bar: Bar
    # (y, text) of each line of the label.
    label_lines: list[tuple[int, str]]
    bar_y: int
    value_y: int
    # A string, so that no locale ever writes a decimal comma into an SVG attribute.
    width: str


def label_lines(label: str, width: int = LINE_CHARACTERS) -> list[str]:
    """The label broken between words into lines of about ``width`` characters."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _drawn(chart: Chart) -> tuple[list[DrawnBar], int]:
    """Each bar's geometry, and the drawing's height."""
    largest = max((bar.count or 0 for bar in chart.bars), default=0)
    drawn = []
    top = 0
    for bar in chart.bars:
        lines = label_lines(bar.label)
        bar_y = top + LINE * len(lines) + 4
        length = TRACK * (bar.count or 0) / largest if largest else 0.0
        drawn.append(
            DrawnBar(
                bar=bar,
                label_lines=[(top + LINE * (n + 1) - 3, line) for n, line in enumerate(lines)],
                bar_y=bar_y,
                value_y=bar_y + BAR_HEIGHT - 3,
                width=f"{length:.1f}",
            )
        )
        top = bar_y + BAR_HEIGHT + GAP
    return drawn, max(top, 1)


def element_id(key: str) -> str:
    return "chart-" + slugify(key)


@register.inclusion_tag("stats/_bar_chart.html")
def bar_chart(
    source: PublishedTable | Chart, dimension: str = "", title: str = "", key: str = ""
) -> dict[str, Any]:
    """``{% bar_chart table "category" title %}`` for a one-dimension ``PublishedTable``, or
    ``{% bar_chart chart %}`` for a ``Chart`` built beforehand."""
    if isinstance(source, Chart):
        chart = source
    else:
        chart = chart_of(source, dimension, key=key or f"{source.family}-{dimension}", title=title)
    rows, height = _drawn(chart)
    return {
        "chart": chart,
        "id": element_id(chart.key),
        "rows": rows,
        "width": WIDTH,
        "height": height,
        "track": TRACK,
        "bar_height": BAR_HEIGHT,
        "value_x": VALUE_X,
    }


@register.inclusion_tag("stats/_cross_table.html")
def cross_table(table: CrossTable) -> dict[str, Any]:
    """A two-dimension table (answers by route, categories by route), with its margins."""
    return {"table": table, "id": element_id(table.key)}


@register.filter
def count_or_withheld(count: int | None) -> str:
    return count_text(count)


@register.filter
def figure_value(figure: Figure) -> str:
    return figure_text(figure)
